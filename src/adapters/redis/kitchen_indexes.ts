/**
 * The per-kitchen shares of the live sets (`erp:orders:active:{kitchen}`,
 * `erp:orders:pending_slots:{kitchen}`) on Redis state written before they
 * existed: built once from the whole sets, by the consumer, then kept by the
 * scripts that move orders (lua/apply_order.lua, lua/promote_due.lua). A
 * restore writes them itself (live_state_restore.ts).
 */
import type { Redis } from "ioredis";
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

export async function kitchenIndexesBuilt(redis: Redis): Promise<boolean> {
  return (await redis.get(KITCHEN_INDEXES_BUILT)) === KITCHEN_INDEXES_VERSION;
}

/** Adds every order of the whole sets to its kitchen's share; returns how many were missing. */
export async function buildKitchenIndexes(redis: Redis): Promise<number> {
  const index = script(redis, "index_kitchens");
  let added = 0;
  for (
    const [whole, prefix] of [
      [ACTIVE_ORDERS, KITCHEN_ACTIVE_PREFIX],
      [SCHEDULED_ORDERS, KITCHEN_SCHEDULED_PREFIX],
    ]
  ) {
    let cursor = "0";
    do {
      const [next, flat] = await redis.zscan(whole, cursor, "COUNT", IDS_PER_CALL);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) added += await index([whole], [prefix, ...ids]) as number;
    } while (cursor !== "0");
  }
  await redis.set(KITCHEN_INDEXES_BUILT, KITCHEN_INDEXES_VERSION);
  return added;
}
