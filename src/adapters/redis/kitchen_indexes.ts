/**
 * The kitchens' shares of the live sets (`erp:orders:active:{kitchen}`,
 * `erp:orders:pending_slots:{kitchen}`) brought in line with the whole sets
 * (lua/index_kitchens.lua): on Redis state written before the shares existed,
 * and after consumers or promoters of that earlier release, during an upgrade,
 * changed the whole sets alone. Otherwise the scripts that move orders keep
 * them (lua/apply_order.lua, lua/promote_due.lua), and a restore writes them
 * (live_state_restore.ts).
 */
import type { Redis } from "ioredis";
import { keysMatching } from "./key_scan.ts";
import {
  ACTIVE_ORDERS,
  KITCHEN_ACTIVE_PREFIX,
  KITCHEN_INDEXES_BUILT,
  KITCHEN_INDEXES_VERSION,
  KITCHEN_SCHEDULED_PREFIX,
  SCHEDULED_ORDERS,
} from "./keys.ts";
import { script } from "./scripts.ts";

const IDS_PER_CALL = 500;
const SHARES = [
  [ACTIVE_ORDERS, KITCHEN_ACTIVE_PREFIX],
  [SCHEDULED_ORDERS, KITCHEN_SCHEDULED_PREFIX],
] as const;

/**
 * Puts every order of the whole sets in its kitchen's share and takes out of the shares what the
 * whole sets no longer hold, then marks the shares complete; returns how many ids it changed.
 */
export async function reconcileKitchenIndexes(redis: Redis): Promise<number> {
  const reconcile = script(redis, "index_kitchens");
  let changed = 0;
  for (const [whole, prefix] of SHARES) {
    for await (const ids of members(redis, whole)) {
      changed += await reconcile([whole], ["add", prefix, ...ids]) as number;
    }
    for (const share of await keysMatching(redis, `${prefix}*`)) {
      for await (const ids of members(redis, share)) {
        changed += await reconcile([whole, share], ["prune", ...ids]) as number;
      }
    }
  }
  await redis.set(KITCHEN_INDEXES_BUILT, KITCHEN_INDEXES_VERSION);
  return changed;
}

/** The members of a sorted set, a few hundred at a time (ZSCAN: it may change meanwhile). */
async function* members(redis: Redis, key: string): AsyncGenerator<string[]> {
  let cursor = "0";
  do {
    const [next, flat] = await redis.zscan(key, cursor, "COUNT", IDS_PER_CALL);
    cursor = next;
    const ids = flat.filter((_, i) => i % 2 === 0);
    if (ids.length > 0) yield ids;
  } while (cursor !== "0");
}
