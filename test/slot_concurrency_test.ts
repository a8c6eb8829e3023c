/**
 * Many customers at once, one small kitchen: 96 concurrent CreateOrder calls
 * race for three slots of 10 orders. Exactly 30 win; no slot is ever over
 * capacity; every booking belongs to an order in the record.
 */
import assert from "node:assert/strict";
import { Code, richError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen, zoneNearNoon } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import type { Weekday } from "../src/domain/kitchen.ts";

const CLIENTS = 96;
const CAPACITY = 10;
const SLOTS = 3;

/** A kitchen whose day ends so that exactly SLOTS fifteen-minute slots remain from now. */
function threeSlotKitchen() {
  const zone = zoneNearNoon();
  const local = Temporal.Now.zonedDateTimeISO(zone);
  const minutes = local.hour * 60 + local.minute + (local.second > 0 ? 1 : 0);
  const firstSlot = Math.ceil(minutes / 15) * 15;
  const close = firstSlot + SLOTS * 15;
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const week: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  return testKitchen({
    timeZone: zone,
    hours: Object.fromEntries(week.map((d) => [d, [{ open: "00:00", close: hhmm(close) }]])),
    capacity: CAPACITY,
    capacityUnit: "orders",
  });
}

Deno.test("96 concurrent clients never overbook three slots of 10, and every booking is accounted for", async () => {
  const kitchen = threeSlotKitchen();
  const stack = await TestStack.start("slot-concurrency", {
    kitchens: [kitchen],
    env: { RATE_LIMIT_ORDERS: "1000" },
  });
  // Separate connections, as separate phones would have.
  const clients = Array.from(
    { length: CLIENTS },
    () => stack.newApi(),
  );
  try {
    const outcomes = await Promise.allSettled(
      clients.map((api, i) =>
        api.createOrder(seedExampleRequest({
          customerId: String(500 + i),
          customerPhone: `+7901000${String(i).padStart(4, "0")}`,
          idempotencyKey: `race-${i}`,
        }))
      ),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled").map((o) =>
      (o as PromiseFulfilledResult<{ orderId: string; slotStartTime: string }>).value
    );
    const lost = outcomes.filter((o) => o.status === "rejected").map((o) =>
      richError((o as PromiseRejectedResult).reason)
    );
    assert.equal(won.length, CAPACITY * SLOTS, "exactly the capacity is sold");
    assert.ok(
      lost.every((e) =>
        e.code === Code.RESOURCE_EXHAUSTED && e.message === "All slots are full for today"
      ),
    );

    const perSlot = new Map<string, number>();
    for (const w of won) perSlot.set(w.slotStartTime, (perSlot.get(w.slotStartTime) ?? 0) + 1);
    assert.equal(perSlot.size, SLOTS);
    assert.ok([...perSlot.values()].every((n) => n === CAPACITY));

    const slotKeys = (await stack.redisKeys(`slot:${kitchen.id}:*`)).filter((k) =>
      !k.endsWith(":orders")
    );
    assert.equal(slotKeys.length, SLOTS);
    const bookedIds = new Set<string>();
    for (const key of slotKeys) {
      const load = Number(await stack.redis.get(key));
      const bookings = await stack.redis.hgetall(`${key}:orders`);
      assert.equal(load, CAPACITY, `${key} is full, not over`);
      assert.equal(Object.values(bookings).reduce((s, w) => s + Number(w), 0), load);
      for (const id of Object.keys(bookings)) bookedIds.add(id);
    }
    assert.deepEqual(
      [...bookedIds].sort(),
      won.map((w) => w.orderId).sort(),
      "each booking is a won order",
    );
    await waitFor(
      "the record",
      async () => (await stack.orderCount(kitchen.id)) === won.length,
      15_000,
    );
    assert.equal(await stack.kafkaRecordCount(), won.length, "the losers wrote nothing to Kafka");
  } finally {
    for (const c of clients) c.close();
    await stack.close();
  }
});
