/**
 * Settles bookings held after an uncertain Kafka send that nobody retried.
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

export interface HeldStore {
  heldBefore(ms: number): Promise<string[]>;
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
    if (!mark) {
      if ((await held.heldBefore(Number.MAX_SAFE_INTEGER)).length === 0) return;
      mark = { end: await backlog.end(), at: clock.now().getTime() };
      return;
    }
    if (!(await backlog.reached(mark.end))) return;
    for (const orderId of await held.heldBefore(mark.at - SETTLE_AFTER_MS)) {
      if (await held.release(orderId, clock.now())) {
        logger.warn("a booking held after an uncertain Kafka send was never recorded; released", {
          orderId,
        });
      }
    }
    mark = undefined;
  };
}
