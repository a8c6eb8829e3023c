/**
 * A consumer starting on an empty Redis restores the live state from PostgreSQL before it
 * applies anything. However long that takes, its health port answers from the start: live
 * throughout (the restore reports progress after every fetch and every pipeline), not ready
 * ("starting: checking the live state") until the restore is done. A Kubernetes startup probe
 * on /healthz therefore passes at once and never kills a long restore, and readiness tells the
 * truth meanwhile.
 *
 * The restore here is made longer than the consumer's stall limit (STALL_AFTER_MS = 1 s) by
 * the number of live orders in PostgreSQL, so a restore that reported no progress would fail
 * liveness.
 */
import assert from "node:assert/strict";
import { ensurePartitions } from "../src/adapters/postgres/partitions.ts";
import { HealthWatch } from "./support/health_watch.ts";
import { testKitchen } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const STALL_AFTER_MS = 1_000;
const LIVE_ORDERS = 8_000;

Deno.test("a live-state restore longer than the stall limit: live all along, ready when done", async () => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("restore_health", {
    kitchens: [kitchen],
    services: [],
    env: { STALL_AFTER_MS: String(STALL_AFTER_MS) },
  });
  const health = new HealthWatch(stack.healthUrl("consumer"), 50);
  try {
    const now = new Date();
    await ensurePartitions(stack.pool, now, 2);
    // Live orders, ten per slot, straight into the record (as a busy evening leaves it).
    await stack.pool.query(
      `WITH o AS (
         SELECT gen_random_uuid() AS id, g,
                date_trunc('minute', $1::timestamptz) + ((g / 10) * interval '15 minutes') AS slot
         FROM generate_series(1, $3::int) AS g
       ), registered AS (
         INSERT INTO order_ids (id, created_at) SELECT id, $1 FROM o RETURNING id
       )
       INSERT INTO orders (id, created_at, display_id, display_seq, business_date, kitchen_id,
         customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
         is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
         slot_end, visible_at, slot_weight, capacity_unit, updated_at)
       SELECT id, $1, lpad((g % 1000)::text, 3, '0'), g, $1::date, $2, 42, 'Иван', 'Иванов',
         '+79001234567', 'ул. Ленина, д. 1', false,
         '[{"pizzaName":"Пицца Классическая","quantity":1,"unitPriceKopecks":96200,
            "lineTotalKopecks":96200,"extras":[],"ingredients":[],"station":"pizza"}]'::jsonb,
         96200, 1, 'pending', 'slot:' || $2 || ':' || extract(epoch FROM slot)::bigint, slot,
         slot + interval '15 minutes', $1, 96200, 'value', $1
       FROM o WHERE (SELECT count(*) FROM registered) > 0`,
      [now, kitchen.id, LIVE_ORDERS],
    );

    health.phase = "restore";
    await stack.startService("consumer", { until: "live" });
    await health.waitFor("ready", (h) => h.ready, 120_000);
    health.phase = "after";

    const restoring = health.inPhase("restore").filter((h) => h.answered);
    assert(
      restoring.some((h) => !h.ready),
      "the health port answered (not ready) while the restore ran",
    );
    assert.deepEqual(
      restoring.filter((h) => !h.live).map((h) => h.detail),
      [],
      "live at every answer during the restore",
    );
    const log = await Deno.readTextFile(stack.service("consumer").logPath);
    const restored = log.split("\n").filter((l) => l.includes("live state restored"))
      .map((l) => JSON.parse(l));
    assert.equal(restored.length, 1);
    assert.equal(restored[0].liveOrders, LIVE_ORDERS);
    assert(
      restored[0].ms > STALL_AFTER_MS,
      `the restore (${restored[0].ms} ms) took longer than the stall limit`,
    );
    console.log(`figures: restore of ${LIVE_ORDERS} live orders took ${restored[0].ms} ms`);
    assert.equal(await stack.redis.zcard("erp:orders:active"), LIVE_ORDERS, "all restored");
    await waitFor(
      "the ready marker",
      async () => (await stack.redis.exists("ovenline:state:ready")) === 1,
    );
  } finally {
    await health.stop();
    await stack.close();
  }
});
