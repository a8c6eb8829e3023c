/**
 * kafkajs 2.2.4 re-arms a timer for every broker connection every millisecond while nothing is
 * pending (RequestQueue.scheduleCheckPendingRequests: `throttledUntil` is -1, so the delay is
 * negative and the check re-schedules itself for ever; kafkajs issues #1556, #1704, #1751). Each
 * connection spins at ~1 kHz: CPU in every service (a constant cost, the largest part of the
 * consumer's at low rates) and a timer wake-up each millisecond in the event loop that answers
 * orders.
 *
 * This replaces the method on kafkajs' class (the same module instance kafkajs requires) with the
 * upstream proposal: schedule a check only when a request is waiting or the queue is throttled.
 * A pushed request is sent at once or queued and scheduled; a fulfilled one checks the queue
 * again; so nothing waits on the removed loop.
 */
// deno-lint-ignore-file no-explicit-any
import RequestQueue from "kafkajs/request-queue";

/** kafkajs' interval between checks while requests wait (its CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_MS = 10;

const proto = (RequestQueue as any).prototype;

export const requestQueuePatched: boolean = (() => {
  if (typeof proto?.scheduleCheckPendingRequests !== "function") return false;
  proto.scheduleCheckPendingRequests = function (this: any) {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  return true;
})();
