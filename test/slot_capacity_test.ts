/**
 * Slot booking on the real Redis Lua scripts: spill into the next slot, full
 * days, closed kitchens, and that a rejection writes and reserves nothing.
 */
import assert from "node:assert/strict";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { Code, expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { closedKitchen, everyDay, hhmm, testKitchen, testKitchenZone } from "./support/kitchens.ts";
import {
  firstSlotStartAtOrAfter,
  footprint,
  SLOT_MS,
  waitForOrder,
  waitForOrders,
} from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

/**
 * A kitchen whose opening began two hours before `now` and closes at the whole quarter hour 75 to
 * 90 minutes after it (past midnight if need be), taking one order per slot: five slots are left. `close` is when it closes. A closing time that a DST change repeats would mean its
 * first occurrence (the product's rule), so such a time is skipped for the next unambiguous one.
 */
function shortDayKitchen(now: Date): { kitchen: KitchenConfig; close: number } {
  const zone = testKitchenZone(now);
  const local = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone);
  const quarter = { smallestUnit: "minute", roundingIncrement: 15 } as const;
  const opens = local.subtract({ hours: 2 }).round({ ...quarter, roundingMode: "floor" });
  for (let minutes = 75; minutes <= 240; minutes += 15) {
    const closes = local.add({ minutes }).round({ ...quarter, roundingMode: "ceil" });
    const meant = closes.toPlainDateTime().toZonedDateTime(zone, { disambiguation: "compatible" });
    if (!meant.equals(closes)) continue;
    const kitchen = testKitchen({
      timeZone: zone,
      capacityUnit: "orders",
      capacity: 1,
      hours: everyDay(hhmm(opens), hhmm(closes)),
    });
    return { kitchen, close: closes.epochMilliseconds };
  }
  throw new Error(`no unambiguous closing time after ${local}`);
}

/** An order that lands in a barrier kitchen, waited for: the consumer has caught up with what came before. */
async function barrier(stack: TestStack, kitchenId: string): Promise<void> {
  const res = await stack.api.createOrder(seedExampleRequest({ kitchenId }));
  await waitForOrder(stack, res.orderId);
}

Deno.test("`CreateOrder` books slots within capacity", async (t) => {
  const spill = testKitchen({ capacityUnit: "orders", capacity: 2 });
  const crowd = testKitchen({ capacityUnit: "orders", capacity: 3 });
  const tooBig = testKitchen({ capacityUnit: "items", capacity: 1 });
  const { kitchen: shortDay, close: shortDayClose } = shortDayKitchen(new Date());
  const { kitchen: closed, nextOpening } = closedKitchen(new Date());
  const paused = testKitchen({ acceptingOrders: false });
  const barrierKitchen = testKitchen();
  const stack = await TestStack.start("slot_capacity", {
    kitchens: [barrierKitchen, spill, crowd, tooBig, shortDay, closed, paused],
  });
  try {
    await t.step("`CreateOrder` spills into the next slot when the first is full", async () => {
      const ids: string[] = [];
      const slots: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: spill.id }));
        ids.push(res.orderId);
        slots.push(Date.parse(res.slotStartTime));
      }
      const first = slots[0];
      assert.equal(first, firstSlotStartAtOrAfter(first), "slots are on quarter hours");
      assert.deepEqual(slots, [first, first, first + SLOT_MS], "the third order spilled");
      await waitForOrders(stack, ids);
      const { rows } = await stack.pool.query(
        "SELECT slot_start FROM orders WHERE kitchen_id = $1 ORDER BY display_seq",
        [spill.id],
      );
      assert.deepEqual(rows.map((r) => r.slot_start.getTime()), slots);
      const s1 = `slot:${spill.id}:${first / 1000}`;
      const s2 = `slot:${spill.id}:${(first + SLOT_MS) / 1000}`;
      assert.equal(await stack.redis.get(s1), "2");
      assert.equal(await stack.redis.get(s2), "1");
      assert.deepEqual(
        Object.keys(await stack.redis.hgetall(`${s1}:orders`)).sort(),
        ids.slice(0, 2).sort(),
      );
      assert.deepEqual(Object.keys(await stack.redis.hgetall(`${s2}:orders`)), [ids[2]]);
    });

    await t.step(
      "`CreateOrder` never books a slot beyond capacity under 20 concurrent calls",
      async () => {
        const results = await Promise.all(
          Array.from(
            { length: 20 },
            () => stack.api.createOrder(seedExampleRequest({ kitchenId: crowd.id })),
          ),
        );
        const perSlot = new Map<number, number>();
        for (const r of results) {
          const s = Date.parse(r.slotStartTime);
          perSlot.set(s, (perSlot.get(s) ?? 0) + 1);
        }
        const starts = [...perSlot.keys()].sort((a, b) => a - b);
        // Seven consecutive slots: 3+3+3+3+3+3+2, none above 3.
        assert.equal(starts.length, 7);
        starts.forEach((s, i) => assert.equal(s, starts[0] + i * SLOT_MS));
        assert.deepEqual(starts.map((s) => perSlot.get(s)), [3, 3, 3, 3, 3, 3, 2]);
        for (const s of starts) {
          const load = Number(await stack.redis.get(`slot:${crowd.id}:${s / 1000}`));
          assert.equal(load, perSlot.get(s));
        }
        assert.equal(new Set(results.map((r) => r.displayId)).size, 20, "display ids are unique");
        await waitForOrders(stack, results.map((r) => r.orderId));
        const { rows } = await stack.pool.query(
          `SELECT slot_start, count(*)::int AS n FROM orders WHERE kitchen_id = $1
         GROUP BY slot_start ORDER BY slot_start`,
          [crowd.id],
        );
        assert.deepEqual(rows.map((r) => r.n), [3, 3, 3, 3, 3, 3, 2]);
      },
    );

    await t.step(
      '`CreateOrder` answers RESOURCE_EXHAUSTED "All slots are full for today" when no slot can take the order, and writes nothing',
      async () => {
        const before = await footprint(stack, tooBig.id);
        const error = await expectGrpcError(
          stack.api.createOrder(seedExampleRequest({ kitchenId: tooBig.id, quantity: 2 })),
        );
        assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(error.message, "All slots are full for today");
        assert.equal(error.errorInfo?.reason, "SLOTS_FULL");
        await barrier(stack, barrierKitchen.id);
        const after = await footprint(stack, tooBig.id);
        assert.equal(
          after.kafkaRecords,
          before.kafkaRecords + 1,
          "only the barrier order was produced",
        );
        assert.equal(after.pgOrders, 0);
        assert.deepEqual(after.slotKeys, []);
        assert.deepEqual(after.displayKeys, {});
        assert.equal(
          after.reservationKeys,
          before.reservationKeys + 1,
          "only the barrier's booking",
        );
      },
    );

    await t.step(
      'a pre-order no slot can take is told the window searched, not "today"',
      async () => {
        const before = await footprint(stack, tooBig.id);
        const requested = new Date(Date.now() + 3 * 3_600_000);
        const error = await expectGrpcError(
          stack.api.createOrder(
            seedExampleRequest({ kitchenId: tooBig.id, quantity: 2, requestedTime: requested }),
          ),
        );
        assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(error.errorInfo?.reason, "SLOTS_FULL");
        const { from, until } = error.errorInfo!.metadata;
        // The first slot at or after the requested time (a slot starts at most 15 minutes later).
        const fromMs = Date.parse(from);
        assert.ok(
          fromMs >= requested.getTime() && fromMs < requested.getTime() + SLOT_MS,
          `searched from ${from}, asked for ${requested.toISOString()}`,
        );
        assert.ok(Date.parse(until) > fromMs, `searched until ${until}`);
        assert.equal(
          error.message,
          `All slots are full from ${from} to the end of the booking horizon (${until})`,
        );
        await barrier(stack, barrierKitchen.id);
        const after = await footprint(stack, tooBig.id);
        assert.equal(after.pgOrders, 0);
        assert.deepEqual(after.slotKeys, []);
        assert.equal(after.reservationKeys, before.reservationKeys + 1, "only the barrier's");
      },
    );

    await t.step(
      "`CreateOrder` fills the rest of a short day slot by slot, then answers RESOURCE_EXHAUSTED",
      async () => {
        // The first order takes the first slot from when it was placed; each further order the
        // next one, up to closing time (later slots start a quarter of an hour apart, far after
        // the orders are placed, so the count does not depend on when the test runs).
        const placedFrom = Date.now();
        const first = await stack.api.createOrder(seedExampleRequest({ kitchenId: shortDay.id }));
        const placedBy = Date.now();
        const firstSlot = Date.parse(first.slotStartTime);
        assert(
          firstSlot >= firstSlotStartAtOrAfter(placedFrom) &&
            firstSlot <= firstSlotStartAtOrAfter(placedBy),
          "the first slot from the time of the order",
        );
        const expectedSlots = (shortDayClose - firstSlot) / SLOT_MS;
        // Five, or four if a quarter hour began since the kitchen was made (more if a DST change
        // moved its closing time).
        assert(
          Number.isInteger(expectedSlots) && expectedSlots >= 4 && expectedSlots <= 16,
          `${expectedSlots} slots left today`,
        );

        const booked = [firstSlot];
        for (let i = 1; i < expectedSlots; i++) {
          const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: shortDay.id }));
          booked.push(Date.parse(res.slotStartTime));
        }
        assert.deepEqual(booked, booked.map((_, i) => booked[0] + i * SLOT_MS));
        assert.equal(booked.at(-1)! + SLOT_MS, shortDayClose, "the last slot ends at closing time");

        const before = await footprint(stack, shortDay.id);
        assert.equal(before.slotKeys.length, 2 * expectedSlots);
        const error = await expectGrpcError(
          stack.api.createOrder(seedExampleRequest({ kitchenId: shortDay.id })),
        );
        assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(error.message, "All slots are full for today");
        await barrier(stack, barrierKitchen.id);
        const after = await footprint(stack, shortDay.id);
        assert.equal(
          after.kafkaRecords,
          before.kafkaRecords + 1,
          "only the barrier order was produced",
        );
        assert.deepEqual(after.slotKeys, before.slotKeys);
        assert.deepEqual(after.slotLoads, before.slotLoads);
        assert(Object.values(after.slotLoads).every((v) => v === "1"));
        assert.deepEqual(after.displayKeys, before.displayKeys);
        assert.equal(after.reservationKeys, before.reservationKeys + 1);
        assert.equal(after.pgOrders, expectedSlots);
      },
    );

    await t.step(
      "`CreateOrder` outside working hours answers RESOURCE_EXHAUSTED KITCHEN_CLOSED with the next opening, and writes nothing",
      async () => {
        const before = await footprint(stack, closed.id);
        const askedFrom = Date.now();
        const error = await expectGrpcError(
          stack.api.createOrder(seedExampleRequest({ kitchenId: closed.id })),
        );
        const answeredBy = Date.now();
        assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(error.errorInfo?.reason, "KITCHEN_CLOSED");
        assert.equal(error.errorInfo?.metadata.reason, "outside working hours");
        assert.equal(error.errorInfo?.metadata.next_opening, nextOpening.toISOString());
        assert.match(error.message, /closed/i);
        assert(error.retryDelayMs !== undefined, "RetryInfo is attached");
        assert(
          error.retryDelayMs >= nextOpening.getTime() - answeredBy - 1000 &&
            error.retryDelayMs <= nextOpening.getTime() - askedFrom + 1000,
          `retry delay ${error.retryDelayMs} ms = the time until the opening`,
        );
        await barrier(stack, barrierKitchen.id);
        const after = await footprint(stack, closed.id);
        assert.equal(after.kafkaRecords, before.kafkaRecords + 1);
        assert.equal(after.pgOrders, 0);
        assert.deepEqual(after.slotKeys, []);
        assert.deepEqual(after.displayKeys, {});
        assert.equal(after.reservationKeys, before.reservationKeys + 1);
      },
    );

    await t.step(
      "`CreateOrder` to a kitchen not accepting orders answers RESOURCE_EXHAUSTED KITCHEN_CLOSED, and writes nothing",
      async () => {
        const before = await footprint(stack, paused.id);
        const error = await expectGrpcError(
          stack.api.createOrder(seedExampleRequest({ kitchenId: paused.id })),
        );
        assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(error.errorInfo?.reason, "KITCHEN_CLOSED");
        assert.equal(error.errorInfo?.metadata.reason, "kitchen is not accepting orders");
        assert.equal(await stack.kafkaRecordCount(), before.kafkaRecords);
        assert.deepEqual(await stack.redisKeys(`slot:${paused.id}:*`), []);
        assert.equal((await stack.redisKeys("order:slot:*")).length, before.reservationKeys);
        assert.equal(await stack.orderCount(paused.id), 0);
      },
    );
  } finally {
    await stack.close();
  }
});
