/**
 * Retries with the same idempotency key name the same order: one booking,
 * one Kafka record, one row — sequentially and concurrently.
 */
import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { historyRows, waitForOrder } from "./support/observe.ts";
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
