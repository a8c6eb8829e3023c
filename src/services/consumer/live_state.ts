/**
 * Keeps Redis holding the live state. When the ready marker is gone (Redis
 * lost its data), one replica restores it from PostgreSQL (restored); intake
 * may book again (ready) only once the group has also applied every event that
 * was already in Kafka at that moment, since those orders hold capacity that
 * PostgreSQL did not show yet. Batches are applied from "restored" on.
 *
 * A restore takes as long as the record needs: it tells its heartbeat after
 * every pipeline written (and keeps the restore lock meanwhile), so health
 * fails only when it stops making progress.
 *
 * At start-up it also brings the kitchens' shares of the live sets in line with
 * the whole sets: Redis state from before the shares existed (an upgrade) gets
 * them, and what earlier-release writers changed meanwhile is put right.
 */
import type { Redis } from "ioredis";
import { readLiveState } from "../../adapters/postgres/live_state_queries.ts";
import type { Pool } from "../../adapters/postgres/pool.ts";
import { reconcileKitchenIndexes } from "../../adapters/redis/kitchen_indexes.ts";
import {
  isLiveStateReady,
  isRestored,
  markReady,
  renewRestoreLock,
  restoreBacklogEnd,
  tryLockRestore,
  unlockRestore,
  writeLiveState,
} from "../../adapters/redis/live_state_restore.ts";
import type { Clock } from "../../domain/ports.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";

export interface Backlog {
  /** The topic's end offsets now. */
  end(): Promise<Record<string, string>>;
  /** Whether the group has applied everything up to `target`. */
  reached(target: Record<string, string>): Promise<boolean>;
}

export interface LiveStateGuard {
  /** Resolves once PostgreSQL's live state is in Redis (restoring it if needed). */
  restored(): Promise<void>;
  /** Whether a restore (this replica's or another's) is being waited for now. */
  readonly restoring: boolean;
  /** Sets the ready marker when the restore's backlog has been applied; cheap once ready. */
  ready(): Promise<void>;
}

export function liveStateGuard(
  redis: Redis,
  pool: Pool,
  clock: Clock,
  logger: Logger,
  owner: string,
  backlog: Backlog,
  heartbeat?: Heartbeat,
): LiveStateGuard {
  let restoring: Promise<void> | undefined;
  let inProgress = false;
  let indexed = false;
  const restore = async () => {
    while (!(await isLiveStateReady(redis)) && !(await isRestored(redis))) {
      inProgress = true;
      if (await tryLockRestore(redis, owner)) {
        const operation = heartbeat?.busy("restoring the live state from PostgreSQL");
        const progressed = async () => {
          operation?.progressed();
          await renewRestoreLock(redis, owner);
        };
        try {
          const started = performance.now();
          const now = clock.now();
          // Offsets first: every event before them is in PostgreSQL now or applied after.
          const end = await backlog.end();
          const state = await readLiveState(pool, now, () => operation?.progressed());
          await progressed();
          await writeLiveState(redis, state, now, end, progressed);
          logger.info("live state restored from PostgreSQL", {
            liveOrders: state.liveOrders.length,
            recentTerminalOrders: state.recentTerminalOrders.length,
            ms: Math.round(performance.now() - started),
          });
        } finally {
          operation?.done();
          await unlockRestore(redis, owner).catch(() => {});
        }
      } else {
        heartbeat?.waiting("another replica is restoring the live state");
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Once per start: after an upgrade, writers of the earlier release may still have changed
    // the whole sets alone until this replica started.
    if (!indexed) {
      const changed = await reconcileKitchenIndexes(redis);
      if (changed > 0) {
        logger.info("kitchens' live sets reconciled with the whole ones", { changed });
      }
      indexed = true;
    }
  };
  const restored = () => {
    // Concurrent callers (the batch loops and the watchdog) share one restore.
    restoring ??= restore().then(
      () => heartbeat?.progressed(),
      (error) => {
        heartbeat?.waiting(`restoring the live state failed: ${(error as Error).message}`);
        throw error;
      },
    ).finally(() => {
      restoring = undefined;
      inProgress = false;
    });
    return restoring;
  };
  return {
    restored,
    get restoring() {
      return inProgress;
    },
    ready: async () => {
      if (await isLiveStateReady(redis)) return;
      await restored();
      const target = await restoreBacklogEnd(redis);
      if (!target || await backlog.reached(target)) {
        await markReady(redis, clock.now());
        logger.info("live state ready: intake may book again");
      }
    },
  };
}
