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

export interface HeldStore {
  count(): Promise<number>;
  heldBefore(ms: number): Promise<string[]>;
  /** Orders whose send was counted so long ago that its intake must have died. */
  staleSends(now: Date): Promise<string[]>;
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
    for (const orderId of await held.staleSends(now)) {
      if (await held.holdStale(orderId, now)) {
        logger.warn("a Kafka send for a booking never finished (its intake stopped?); held", {
          orderId,
        });
      }
    }
    if (!mark) {
      if ((await held.count()) === 0) return;
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
