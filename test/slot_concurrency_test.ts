/**
 * Many customers at once, one small kitchen: 96 concurrent CreateOrder calls
 * race for three slots of 10 orders. Exactly 30 win; no slot is ever over
 * capacity; every booking belongs to an order in the record.
 */
import assert from "node:assert/strict";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { Code, richError, seedExampleRequest } from "./support/grpc_client.ts";
import { everyDay, hhmm, testKitchen, testKitchenZone } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const CLIENTS = 96;
const CAPACITY = 10;
const SLOTS = 3;

/**
 * A kitchen open for exactly SLOTS fifteen-minute slots a day, from a whole quarter hour 30 to 45
 * minutes after `now`, bookable that day only; the orders are pre-orders for its opening. However long the test takes to
 * get there (seconds), the same three slots are on offer. An opening whose local times a DST
 * change skips or repeats would not be three slots long, so such a quarter hour is passed over.
 */
function threeSlotKitchen(now: Date): { kitchen: KitchenConfig; opens: Date } {
  const zone = testKitchenZone(now);
  const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone);
  const resolve = (t: Temporal.ZonedDateTime) =>
    t.toPlainDateTime().toZonedDateTime(zone, { disambiguation: "compatible" });
  let opens = local.add({ minutes: 30 }).round({
    smallestUnit: "minute",
    roundingIncrement: 15,
    roundingMode: "ceil",
  });
  for (;; opens = opens.add({ minutes: 15 })) {
    const closes = opens.add({ minutes: SLOTS * 15 });
    const length = resolve(opens).until(resolve(closes)).total("minutes");
    if (resolve(opens).equals(opens) && length === SLOTS * 15) {
      const kitchen = testKitchen({
        timeZone: zone,
        hours: everyDay(hhmm(opens), hhmm(closes)),
        capacity: CAPACITY,
        capacityUnit: "orders",
        // Bookable up to the opening's day (today, or tomorrow after 23:15), not the day after.
        bookingHorizonDays: local.toPlainDate().until(opens.toPlainDate()).days,
      });
      return { kitchen, opens: new Date(opens.epochMilliseconds) };
    }
  }
}

Deno.test("96 concurrent clients never overbook three slots of 10, and every booking is accounted for", async () => {
  const { kitchen, opens } = threeSlotKitchen(new Date());
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
          requestedTime: opens,
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
    // Pre-orders for the opening: told the window searched, from the opening's first slot.
    const full = `All slots are full from ${opens.toISOString()} to the end of the booking horizon`;
    assert.ok(
      lost.every((e) =>
        e.code === Code.RESOURCE_EXHAUSTED && e.errorInfo?.reason === "SLOTS_FULL" &&
        e.message.startsWith(full)
      ),
      lost.find((e) => !e.message.startsWith(full))?.message,
    );

    const perSlot = new Map<string, number>();
    for (const w of won) perSlot.set(w.slotStartTime, (perSlot.get(w.slotStartTime) ?? 0) + 1);
    assert.deepEqual(
      [...perSlot.keys()].map((t) => Date.parse(t)).sort((a, b) => a - b),
      Array.from({ length: SLOTS }, (_, i) => opens.getTime() + i * 15 * 60_000),
      "the opening's three slots",
    );
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
