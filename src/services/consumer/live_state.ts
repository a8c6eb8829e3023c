/** Keeps Redis holding the live state: restores it from PostgreSQL whenever the ready marker is gone. */
import type { Redis } from "ioredis";
import { readLiveState } from "../../adapters/postgres/live_state_queries.ts";
import type { Pool } from "../../adapters/postgres/pool.ts";
import {
  isLiveStateReady,
  tryLockRestore,
  unlockRestore,
  writeLiveState,
} from "../../adapters/redis/live_state_restore.ts";
import type { Clock } from "../../domain/ports.ts";
import type { Logger } from "../../observability/logger.ts";

export function liveStateGuard(
  redis: Redis,
  pool: Pool,
  clock: Clock,
  logger: Logger,
  owner: string,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const ensure = async () => {
    while (!(await isLiveStateReady(redis))) {
      if (await tryLockRestore(redis, owner)) {
        try {
          const started = performance.now();
          const now = clock.now();
          const state = await readLiveState(pool, now);
          await writeLiveState(redis, state, now);
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
  // Concurrent callers (the batch loop and the idle watchdog) share one restore.
  return () => {
    running ??= ensure().finally(() => (running = undefined));
    return running;
  };
}
