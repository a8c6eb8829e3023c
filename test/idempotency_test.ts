/**
 * Retries with the same idempotency key name the same order: one booking,
 * one Kafka record, one row — sequentially and concurrently.
 */
import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
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
  const book = (orderId: string) =>
    reservations.reserve({
      orderId,
      kitchenId: "k",
      candidates,
      weight: 1,
      capacity: 1,
      createdAt: new Date(),
      customerId: "1",
      customerPhone: "+79001234567",
      rateLimit: { points: 1_000_000, windowSeconds: 60 },
    });
  try {
    await redis.set("ovenline:state:ready", "test");

    await t.step("a retry re-books the aborted booking's own slot, with its event", async () => {
      const first = await book("order-a");
      assert.equal(first.kind, "reserved");
      const event = placedEvent(testKitchen({ id: "k" }), { displaySeq: 1, orderId: "order-a" });
      await reservations.attachEvent(event);
      await reservations.abort("order-a");
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
      await reservations.abort("order-a");
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
  } finally {
    await lease.release();
  }
});
