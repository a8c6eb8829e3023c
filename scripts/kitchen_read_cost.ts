/**
 * What one kitchen's KDS list costs the hub, read from the kitchen's share of the live set (as it
 * does now) and from the whole set, kept by kitchen (as it did before the shares), with many
 * kitchens' orders live at once. The orders are projected by the consumer's own script
 * (apply_order.lua). Prints medians and 99th percentiles of the time per read and the snapshots
 * each read fetches. Needs the local stack's Redis (a database leased as the tests lease theirs):
 *   bash scripts/with_infra.sh deno run -A scripts/kitchen_read_cost.ts [kitchens] [orders each]
 */
import type { Redis } from "ioredis";
import { ACTIVE_ORDERS, orderSnapshotKey } from "../src/adapters/redis/keys.ts";
import { LiveOrders } from "../src/adapters/redis/live_orders.ts";
import { reconcileKitchenIndexes } from "../src/adapters/redis/kitchen_indexes.ts";
import { OrderProjection } from "../src/adapters/redis/order_projection.ts";
import type { Order } from "../src/domain/order.ts";
import { order } from "../src/services/hub/static/_test_orders.ts";
import { leaseRedisDb } from "../test/support/redis_db.ts";

const kitchens = Number(Deno.args[0] ?? 20);
const perKitchen = Number(Deno.args[1] ?? 250);
const READS = 60;

/** The read before the shares: every live order of every kitchen, kept by kitchen. */
async function wholeSetRead(redis: Redis, kitchenId: string): Promise<number> {
  const ids = await redis.zrange(ACTIVE_ORDERS, 0, -1);
  let kept = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const jsons = await redis.mget(...ids.slice(i, i + 500).map(orderSnapshotKey));
    for (const json of jsons) {
      if (json && (JSON.parse(json) as Order).kitchenId === kitchenId) kept++;
    }
  }
  return kept;
}

function quantiles(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms`;
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

const lease = await leaseRedisDb();
try {
  const redis = lease.client;
  const projection = new OrderProjection(redis);
  const now = new Date();
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  for (let k = 0; k < kitchens; k++) {
    const batch = Array.from({ length: perKitchen }, () =>
      order({
        id: crypto.randomUUID(),
        kitchenId: `k${k}`,
        createdAt: at(-1),
        visibleAt: at(-1),
        slotStart: at(10),
        slotEnd: at(25),
      }));
    await projection.project(batch, now);
  }
  await reconcileKitchenIndexes(redis);
  const live = new LiveOrders(redis);
  const shown = (await live.active("k0")).length;
  const before = await wholeSetRead(redis, "k0");
  if (shown !== perKitchen || before !== perKitchen) {
    throw new Error(`expected ${perKitchen} orders of k0, read ${shown} and ${before}`);
  }
  console.log(`${kitchens} kitchens × ${perKitchen} live orders; one kitchen's active list:`);
  console.log(
    `  its share:     ${quantiles(await timed(() => live.active("k0")))}, ` +
      `${perKitchen} snapshots fetched`,
  );
  console.log(
    `  the whole set: ${quantiles(await timed(() => wholeSetRead(redis, "k0")))}, ` +
      `${kitchens * perKitchen} snapshots fetched`,
  );
} finally {
  await lease.release();
}
