/**
 * Wakes at the next due time (or every tick, whichever is sooner) and moves
 * due orders to the KDS. Several replicas may run this at once: the Lua move
 * is atomic, so each order is promoted once. Every round tells the heartbeat
 * (a failed one is waiting on Redis); a round that never ends leaves it silent.
 */
import type { Promoted } from "../../adapters/redis/due_orders.ts";
import type { Clock } from "../../domain/ports.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";

export interface DueOrderStore {
  promote(now: Date, limit: number): Promise<Promoted[]>;
  nextDue(): Promise<Date | undefined>;
}

export interface PromotionLoopOptions {
  readonly tickMs: number;
  readonly batchSize: number;
  readonly onPromoted?: (promoted: readonly Promoted[], now: Date) => void;
  readonly heartbeat?: Heartbeat;
}

export async function runPromotionLoop(
  store: DueOrderStore,
  clock: Clock,
  logger: Logger,
  options: PromotionLoopOptions,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    let wait = options.tickMs;
    try {
      const now = clock.now();
      const promoted = await store.promote(now, options.batchSize);
      if (promoted.length > 0) {
        options.onPromoted?.(promoted, now);
        logger.debug("orders promoted to the KDS", { count: promoted.length });
      }
      options.heartbeat?.progressed();
      if (promoted.length === options.batchSize) continue; // more are due right now
      const next = await store.nextDue();
      if (next) wait = Math.max(0, Math.min(wait, next.getTime() - clock.now().getTime()));
    } catch (error) {
      logger.warn("promotion failed; retrying", { error });
      options.heartbeat?.waiting(`promotion failed: ${(error as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}
