/**
 * Retries with the same idempotency key name the same order: one booking,
 * one Kafka record, one row — sequentially and concurrently.
 */
import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { HeldBookings } from "../src/adapters/redis/held_bookings.ts";
import type { CandidateSlot, ReservationRequest } from "../src/domain/ports.ts";
import { RedisSlotReservations } from "../src/adapters/redis/slot_reservations.ts";
import { firstSlotStartAtOrAfter, historyRows, SLOT_MS, waitForOrder } from "./support/observe.ts";
import { leaseRedisDb } from "./support/redis_db.ts";
import { placedEvent } from "./support/events.ts";
import { TestStack } from "./support/stack.ts";

Deno.test("`CreateOrder` with an idempotency key", async (t) => {
  const sequential = testKitchen();
  const concurrent = testKitchen();
  const perCustomer = testKitchen();
  const stack = await TestStack.start("idempotency", {
    kitchens: [sequential, concurrent, perCustomer],
  });
  try {
    await t.step(
      "`CreateOrder` twice with one key gives the same order, one booking and one Kafka record",
      async () => {
        const records = await stack.kafkaRecordCount();
        const request = seedExampleRequest({ kitchenId: sequential.id, idempotencyKey: "retry-1" });
        const first = await stack.api.createOrder(request);
        const second = await stack.api.createOrder(request);
        assert.deepEqual(second, first, "the retry gets the very same answer");
        assert.equal(await stack.kafkaRecordCount(), records + 1, "one Kafka record");

        const row = await waitForOrder(stack, first.orderId);
        // A third try after the consumer applied it answers from the live state.
        const third = await stack.api.createOrder(request);
        assert.equal(third.orderId, first.orderId);
        assert.equal(third.displayId, first.displayId);
        assert.equal(third.slotStartTime, first.slotStartTime);
        assert.equal(await stack.kafkaRecordCount(), records + 1, "still one Kafka record");

        assert.equal(await stack.orderCount(sequential.id), 1);
        assert.equal(
          await stack.redis.get(row.target_slot_id),
          "192400",
          "one order's weight booked",
        );
        assert.deepEqual(await stack.redis.hgetall(`${row.target_slot_id}:orders`), {
          [first.orderId]: "192400",
        });
        assert.deepEqual(await stack.redisKeys(`slot:${sequential.id}:*`), [
          row.target_slot_id,
          `${row.target_slot_id}:orders`,
        ]);
        assert.equal(
          await stack.redis.get(`display:${sequential.id}:${row.business_date_text}`),
          "1",
        );
        assert.equal((await historyRows(stack, first.orderId)).length, 1);
      },
    );

    await t.step("`CreateOrder` 10 times at once with one key records one order", async () => {
      const records = await stack.kafkaRecordCount();
      const request = seedExampleRequest({ kitchenId: concurrent.id, idempotencyKey: "burst-1" });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => stack.api.createOrder(request)),
      );
      assert.equal(new Set(answers.map((a) => a.orderId)).size, 1);
      assert.equal(new Set(answers.map((a) => a.displayId)).size, 1);
      assert.equal(new Set(answers.map((a) => a.slotStartTime)).size, 1);
      const produced = await stack.kafkaRecordCount() - records;
      assert(produced >= 1 && produced <= 10, `${produced} records`);
      console.log(`10 concurrent calls with one key produced ${produced} Kafka record(s)`);

      const row = await waitForOrder(stack, answers[0].orderId);
      // Give any further copies time to arrive; they must change nothing.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await stack.orderCount(concurrent.id), 1);
      const { rows } = await stack.pool.query(
        "SELECT count(*)::int AS n FROM order_ids WHERE id = $1",
        [answers[0].orderId],
      );
      assert.equal(rows[0].n, 1);
      assert.equal((await historyRows(stack, answers[0].orderId)).length, 1);
      assert.equal(await stack.redis.get(row.target_slot_id), "192400", "one booking");
      assert.equal(
        Object.keys(await stack.redis.hgetall(`${row.target_slot_id}:orders`)).length,
        1,
      );
      assert.equal(
        await stack.redis.get(`display:${concurrent.id}:${row.business_date_text}`),
        "1",
      );
      assert.equal(await stack.redis.get("orders:total"), String(await stack.orderCount()));
    });

    await t.step(
      "`CreateOrder` keys are per customer: the same key of two customers makes two orders",
      async () => {
        const a = await stack.api.createOrder(
          seedExampleRequest({
            kitchenId: perCustomer.id,
            customerId: "1001",
            idempotencyKey: "same",
          }),
        );
        const b = await stack.api.createOrder(
          seedExampleRequest({
            kitchenId: perCustomer.id,
            customerId: "1002",
            idempotencyKey: "same",
          }),
        );
        assert.notEqual(a.orderId, b.orderId);
        await waitForOrder(stack, a.orderId);
        await waitForOrder(stack, b.orderId);
        assert.equal(await stack.orderCount(perCustomer.id), 2);
      },
    );
  } finally {
    await stack.close();
  }
});

/** A booking of weight 1 in kitchen "k", whose slots hold 1 each. */
function bookingOfOne(orderId: string, candidates: CandidateSlot[]): ReservationRequest {
  return {
    orderId,
    kitchenId: "k",
    candidates,
    weight: 1,
    capacity: 1,
    createdAt: new Date(),
    customerId: "1",
    customerPhone: "+79001234567",
    rateLimit: { points: 1_000_000, windowSeconds: 60 },
  };
}

Deno.test("reservation retried after Kafka refused it: the same slot again, or afresh when full", async (t) => {
  const lease = await leaseRedisDb();
  const redis = lease.client;
  const reservations = new RedisSlotReservations(redis);
  const start = firstSlotStartAtOrAfter(Date.now());
  const candidates = [0, 1, 2].map((i) => ({
    id: `slot:k:${(start + i * SLOT_MS) / 1000}`,
    start: new Date(start + i * SLOT_MS),
    end: new Date(start + (i + 1) * SLOT_MS),
    businessDate: "2030-01-01",
  }));
  const book = (orderId: string) => reservations.reserve(bookingOfOne(orderId, candidates));
  try {
    await redis.set("ovenline:state:ready", "test");

    await t.step("a retry re-books the aborted booking's own slot, with its event", async () => {
      const first = await book("order-a");
      assert.equal(first.kind, "reserved");
      const event = placedEvent(testKitchen({ id: "k" }), { displaySeq: 1, orderId: "order-a" });
      await reservations.attachEvent(event);
      await reservations.sendFailed("order-a", "not_written", new Date());
      assert.equal(await redis.hget("order:slot:order-a", "state"), "aborted");
      assert.equal(await redis.get(candidates[0].id), "0", "capacity given back");
      const retry = await book("order-a");
      assert.equal(retry.kind, "existing");
      if (retry.kind !== "existing") return;
      assert.equal(retry.reservation.slotId, candidates[0].id);
      assert.equal(retry.reservation.state, "reserved");
      assert.equal(retry.reservation.displaySeq, 1, "the same display number");
      assert.equal(await redis.get(candidates[0].id), "1");
      assert.equal(await redis.hget(`${candidates[0].id}:orders`, "order-a"), "1");
      assert.equal(retry.reservation.event?.eventId, event.eventId, "the stored event, re-sent");
    });

    await t.step("a retry books afresh when the aborted slot was taken meanwhile", async () => {
      await reservations.sendFailed("order-a", "not_written", new Date());
      const other = await book("order-b");
      assert.equal(other.kind === "reserved" && other.reservation.slotId, candidates[0].id);
      const retry = await book("order-a");
      assert.equal(retry.kind, "reserved");
      if (retry.kind !== "reserved") return;
      assert.equal(retry.reservation.slotId, candidates[1].id);
      assert.equal(retry.reservation.state, "reserved");
      assert.equal(retry.reservation.event, undefined, "the old event is not reused");
      assert.deepEqual(
        await Promise.all(candidates.map((c) => redis.get(c.id))),
        ["1", "1", null],
      );
    });

    await t.step(
      "a send that may have been written keeps the capacity until the sweep; concurrent sends settle together",
      async () => {
        const first = await book("order-c");
        assert.equal(first.kind === "reserved" && first.reservation.slotId, candidates[2].id);
        const retry = await book("order-c"); // a client retry sends while the first send is out
        assert.equal(retry.kind === "existing" && retry.reservation.state, "reserved");
        assert.equal(await redis.hget("order:slot:order-c", "sending"), "2");

        await reservations.sendFailed("order-c", "not_written", new Date());
        assert.equal(await redis.hget("order:slot:order-c", "state"), "reserved", "one is out");
        assert.equal(await redis.get(candidates[2].id), "1");

        await reservations.sendFailed("order-c", "uncertain", new Date(1_000));
        assert.equal(await redis.hget("order:slot:order-c", "state"), "held");
        assert.equal(await redis.zscore("order:sending", "order-c"), null, "no send under way");
        assert.equal(await redis.zscore("order:held", "order-c"), "1000");
        assert.equal(await redis.get(candidates[2].id), "1", "kept: it may still land");

        // A later retry that certainly failed says nothing about the first send.
        const again = await book("order-c");
        assert.equal(again.kind === "existing" && again.reservation.state, "held");
        await reservations.sendFailed("order-c", "not_written", new Date(2_000));
        assert.equal(await redis.hget("order:slot:order-c", "state"), "held");
        assert.equal(await redis.get(candidates[2].id), "1");
        assert.equal(await redis.zscore("order:held", "order-c"), "2000", "held since the last");

        const held = new HeldBookings(redis);
        // A retry's send is under way: the sweep leaves the booking alone...
        await book("order-c");
        assert.equal(await held.release("order-c", new Date()), false, "a send is under way");
        // ...unless that send was counted over a minute ago (its intake died mid-send).
        assert.equal(await redis.hget("order:slot:order-c", "state"), "held");
        await redis.hset("order:slot:order-c", "sending_at", Date.now() - 61_000);
        assert.deepEqual(await held.heldBefore(2_001), ["order-c"]);
        assert.deepEqual(await held.heldBefore(2_000), []);
        const releasedAt = new Date();
        assert.equal(await held.release("order-c", releasedAt), true);
        assert.equal(await held.release("order-c", new Date()), false, "only once");
        // The dashboards hear that the capacity is free again.
        const [[, fields]] = await redis.xrevrange("ovenline:events", "+", "-", "COUNT", 1);
        const event = Object.fromEntries(
          fields.flatMap((f, i) => i % 2 === 0 ? [[f, fields[i + 1]]] : []),
        );
        assert.deepEqual({ ...event, slot: JSON.parse(event.slot) }, {
          type: "slots.updated",
          kitchen: "k",
          at: releasedAt.toISOString(),
          slot: { id: candidates[2].id, load: 0 },
        });
        assert.equal(await redis.hget("order:slot:order-c", "state"), "aborted");
        assert.equal(await redis.get(candidates[2].id), "0");
        assert.equal(await redis.hexists(`${candidates[2].id}:orders`, "order-c"), 0);
        assert.equal(await redis.zcard("order:held"), 0);
      },
    );

    await t.step("a held booking whose retry gets through is confirmed, not swept", async () => {
      const first = await book("order-d");
      assert.equal(first.kind === "reserved" && first.reservation.slotId, candidates[2].id);
      await reservations.sendFailed("order-d", "uncertain", new Date(1_000));
      assert.equal(await redis.hget("order:slot:order-d", "state"), "held");
      const retry = await book("order-d");
      assert.equal(retry.kind === "existing" && retry.reservation.state, "held");
      await reservations.confirm(
        placedEvent(testKitchen({ id: "k" }), { displaySeq: 4, orderId: "order-d" }),
      );
      assert.equal(await redis.hget("order:slot:order-d", "state"), "produced");
      assert.equal(await redis.zcard("order:held"), 0);
      assert.equal(await new HeldBookings(redis).release("order-d", new Date()), false);
      assert.equal(await redis.get(candidates[2].id), "1", "the order's capacity stays booked");
    });
  } finally {
    await lease.release();
  }
});

Deno.test("a booking whose send never finished (its intake died) is held by the sweep, never released at once", async () => {
  const lease = await leaseRedisDb();
  const redis = lease.client;
  const reservations = new RedisSlotReservations(redis);
  const held = new HeldBookings(redis);
  const start = firstSlotStartAtOrAfter(Date.now());
  const slot = `slot:k:${start / 1000}`;
  try {
    await redis.set("ovenline:state:ready", "test");
    const booked = await reservations.reserve(bookingOfOne("orphan", [{
      id: slot,
      start: new Date(start),
      end: new Date(start + SLOT_MS),
      businessDate: "2030-01-01",
    }]));
    assert.equal(booked.kind, "reserved");
    assert.deepEqual(await held.sendingBefore(Date.now() + 1), ["orphan"], "its send is counted");

    assert.equal(await held.holdStale("orphan", new Date()), false, "a fresh send is left alone");
    assert.equal(await redis.hget("order:slot:orphan", "state"), "reserved");

    // A minute on, nothing settled it: the intake that counted it is gone.
    const later = new Date(Date.now() + 61_000);
    assert.equal(await held.holdStale("orphan", later), true);
    assert.equal(await redis.hget("order:slot:orphan", "state"), "held");
    assert.equal(await redis.zscore("order:held", "orphan"), String(later.getTime()));
    assert.deepEqual(await held.sendingBefore(Number.MAX_SAFE_INTEGER), []);
    assert.equal(await redis.get(slot), "1", "kept: that send may have been written");

    assert.equal(await held.release("orphan", later), true, "then swept like any held booking");
    assert.equal(await redis.get(slot), "0");
    assert.equal(await redis.hget("order:slot:orphan", "state"), "aborted");
  } finally {
    await lease.release();
  }
});
