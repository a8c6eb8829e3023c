/**
 * Settles bookings whose Kafka sends nobody settled: those held after an
 * uncertain send that no retry followed, and those whose send never finished
 * because its intake died (held first, as their send may have been written).
 * It notes the topic's end offsets; once the group has applied everything up
 * to them, any booking held since well before the note whose order was still
 * not recorded never reached Kafka, and its capacity goes back.
 */
import type { Clock } from "../../domain/ports.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Backlog } from "./live_state.ts";

/**
 * A booking is held from the moment its last send was given up on (kafkajs' own retries over),
 * so nothing more is sent for it; this margin covers a request a slow broker has not yet read.
 */
export const SETTLE_AFTER_MS = 15_000;
/** A send still unsettled this long after it was counted belongs to an intake that died. */
export const STALE_SEND_MS = 60_000; // as in lua/release_slot.lua

export interface HeldStore {
  heldBefore(ms: number): Promise<string[]>;
  sendingBefore(ms: number): Promise<string[]>;
  holdStale(orderId: string, now: Date): Promise<boolean>;
  release(orderId: string, now: Date): Promise<boolean>;
}

export function heldSweeper(
  held: HeldStore,
  backlog: Backlog,
  clock: Clock,
  logger: Logger,
): () => Promise<void> {
  let mark: { end: Record<string, string>; at: number } | undefined;
  return async () => {
    const now = clock.now();
    // Strictly older than the script's threshold, so it agrees the send is stale.
    for (const orderId of await held.sendingBefore(now.getTime() - STALE_SEND_MS - 1_000)) {
      if (await held.holdStale(orderId, now)) {
        logger.warn("a Kafka send for a booking never finished (its intake stopped?); held", {
          orderId,
        });
      }
    }
    if (!mark) {
      if ((await held.heldBefore(Number.MAX_SAFE_INTEGER)).length === 0) return;
      mark = { end: await backlog.end(), at: now.getTime() };
      return;
    }
    if (!(await backlog.reached(mark.end))) return;
    for (const orderId of await held.heldBefore(mark.at - SETTLE_AFTER_MS)) {
      if (await held.release(orderId, now)) {
        logger.warn("a booking held after an uncertain Kafka send was never recorded; released", {
          orderId,
        });
      }
    }
    mark = undefined;
  };
}
