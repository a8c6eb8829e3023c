/**
 * The consumer's Redis projection on the real Redis: a batch larger than one script call goes out
 * as several, every order is applied in its place, and replays change nothing.
 */
import assert from "node:assert/strict";
import { EVENT_STREAM, orderSnapshotKey, slotLoadKey } from "../src/adapters/redis/keys.ts";
import { OrderProjection } from "../src/adapters/redis/order_projection.ts";
import type { Order } from "../src/domain/order.ts";
import { leaseRedisDb } from "./support/redis_db.ts";
import { RedisCommandLog } from "./support/redis_monitor.ts";

// Redis expires the projected keys by its own clock, so the orders' times follow today's; nothing
// the test expects depends on them.
const QUARTER_MS = 15 * 60_000;
const NOW = new Date(Math.floor(Date.now() / QUARTER_MS) * QUARTER_MS);
const SLOT_START = NOW.getTime() + QUARTER_MS;
const SLOT_ID = `slot:main:${SLOT_START / 1000}`;
const BEFORE = new Date(NOW.getTime() - 60_000).toISOString();

function order(n: number, changes: Partial<Order> = {}): Order {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    displayId: `A-${String(n).padStart(3, "0")}`,
    kitchenId: "main",
    customer: { id: String(n), firstName: "Анна", lastName: "Иванова", phone: "+79001234567" },
    deliveryAddress: "ул. Ленина, 1",
    isPickup: false,
    items: [{
      pizzaName: "Маргарита",
      quantity: 1,
      unitPriceKopecks: 50_000,
      lineTotalKopecks: 50_000,
      extras: [],
      ingredients: [],
      station: n % 2 ? "oven" : "cold",
    }],
    totalPriceKopecks: 50_000,
    itemsCount: 1,
    status: "pending",
    createdAt: BEFORE,
    slotStart: new Date(SLOT_START).toISOString(),
    slotEnd: new Date(SLOT_START + QUARTER_MS).toISOString(),
    businessDate: NOW.toISOString().slice(0, 10),
    targetSlotId: SLOT_ID,
    visibleAt: BEFORE,
    slotWeight: 1,
    capacityUnit: "orders",
    version: 1,
    updatedAt: BEFORE,
    ...changes,
  } as Order;
}

Deno.test("Redis projection: a batch of 230 orders in three script calls, replays harmless", async (t) => {
  const lease = await leaseRedisDb();
  const redis = lease.client;
  const projection = new OrderProjection(redis);
  const orders = Array.from({ length: 230 }, (_, i) => order(i + 1));
  const monitor = await RedisCommandLog.start(lease.url, lease.db);
  try {
    await t.step("every order applied, its events published in the batch's order", async () => {
      const { result: projected, commands } = await monitor.during(() =>
        projection.project(orders, NOW)
      );
      const calls = commands.filter(([name]) => /^eval(sha)?$/i.test(name));
      // EVALSHA sha numkeys key... count arg...: the orders each call carried.
      const perCall = calls.map((c) => Number(c[3 + Number(c[2])]));
      assert.deepEqual(perCall, [100, 100, 30]);
      assert.equal(projected.length, 230);
      for (const [i, p] of projected.entries()) {
        assert.deepEqual(p, {
          orderId: orders[i].id,
          applied: true,
          previousStatus: "",
          published: ["order.created", "order.visible", "slots.updated"],
        });
      }
      const entries = await redis.xrange(EVENT_STREAM, "-", "+");
      const created = entries
        .map(([, fields]) => fields)
        .filter((fields) => fields[1] === "order.created")
        .map((fields) => fields[fields.indexOf("id") + 1]);
      assert.deepEqual(created, orders.map((o) => o.id));
      assert.equal(entries.length, 230 * 3);
      assert.equal(await redis.get(slotLoadKey(SLOT_ID)), "230");
      const last = JSON.parse((await redis.get(orderSnapshotKey(orders[229].id)))!);
      assert.equal(last.version, 1);
      assert.equal(last.customer.firstName, "Анна");
    });

    await t.step("the same batch again changes nothing and publishes nothing", async () => {
      const projected = await projection.project(orders, NOW);
      assert.ok(projected.every((p) => !p.applied && p.previousStatus === "pending"));
      assert.equal(await redis.xlen(EVENT_STREAM), 230 * 3);
      assert.equal(await redis.get(slotLoadKey(SLOT_ID)), "230");
    });

    await t.step("a newer version among replays: only it is applied", async () => {
      const cooking = order(2, { status: "cooking", version: 2 });
      const projected = await projection.project([orders[0], cooking, orders[2]], NOW);
      assert.deepEqual(projected.map((p) => [p.applied, p.previousStatus, p.published]), [
        [false, "pending", []],
        [true, "pending", ["order.status_changed"]],
        [false, "pending", []],
      ]);
      const snapshot = JSON.parse((await redis.get(orderSnapshotKey(cooking.id)))!);
      assert.equal(snapshot.status, "cooking");
      assert.equal(await redis.xlen(EVENT_STREAM), 230 * 3 + 1);
    });
  } finally {
    monitor.stop();
    await lease.release();
  }
});
