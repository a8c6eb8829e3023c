/**
 * Keeps Redis holding the live state. When the ready marker is gone (Redis
 * lost its data), one replica restores it from PostgreSQL (restored); intake
 * may book again (ready) only once the group has also applied every event that
 * was already in Kafka at that moment, since those orders hold capacity that
 * PostgreSQL did not show yet. Batches are applied from "restored" on.
 */
import type { Redis } from "ioredis";
import { readLiveState } from "../../adapters/postgres/live_state_queries.ts";
import type { Pool } from "../../adapters/postgres/pool.ts";
import {
  isLiveStateReady,
  isRestored,
  markReady,
  restoreBacklogEnd,
  tryLockRestore,
  unlockRestore,
  writeLiveState,
} from "../../adapters/redis/live_state_restore.ts";
import type { Clock } from "../../domain/ports.ts";
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
): LiveStateGuard {
  let restoring: Promise<void> | undefined;
  const restore = async () => {
    while (!(await isLiveStateReady(redis)) && !(await isRestored(redis))) {
      if (await tryLockRestore(redis, owner)) {
        try {
          const started = performance.now();
          const now = clock.now();
          // Offsets first: every event before them is in PostgreSQL now or applied after.
          const end = await backlog.end();
          const state = await readLiveState(pool, now);
          await writeLiveState(redis, state, now, end);
          logger.info("live state restored from PostgreSQL", {
            liveOrders: state.liveOrders.length,
            recentTerminalOrders: state.recentTerminalOrders.length,
            ms: Math.round(performance.now() - started),
          });
        } finally {
          await unlockRestore(redis, owner).catch(() => {});
        }
      } else {
        await new Promise((r) => setTimeout(r, 200)); // another replica is restoring
      }
    }
  };
  const restored = () => {
    // Concurrent callers (the batch loops and the watchdog) share one restore.
    restoring ??= restore().finally(() => (restoring = undefined));
    return restoring;
  };
  return {
    restored,
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
