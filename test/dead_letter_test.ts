/**
 * Events the consumer can never apply go to the dead-letter topic with the
 * reason in a header, are counted, and do not hold the partition up.
 */
import assert from "node:assert/strict";
import { encodeOrderEvent } from "../src/adapters/protobuf/order_event_codec.ts";
import { orderIdFor } from "../src/adapters/ids/order_ids.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { placedEvent, produceEvent, statusChangeEvent, waitForConsumerCaughtUp } from "./support/events.ts";
import { produceRaw, readTopic, waitForOrder } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

Deno.test("dead letters", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("dead_letter", { kitchens: [kitchen] });
  const { orders: topic, deadLetters } = stack.topics;
  const group = stack.env.KAFKA_GROUP_ID;
  try {
    await t.step(
      "consumer moves garbage and an unsupported schema_version to the dead-letter topic and keeps going",
      async () => {
        // Keyed like the order placed afterwards, so they share its partition: it must not be held up.
        const nextOrderId = orderIdFor("12345", "after-dead-letters");
        const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x13, 0x37, 0xde, 0xad]);
        const future = encodeOrderEvent({ ...placedEvent(kitchen, { displaySeq: 50 }), schemaVersion: 99 });
        await produceRaw(topic, [
          { key: nextOrderId, value: garbage, headers: { "x-test": "garbage" } },
          { key: nextOrderId, value: future, headers: { "x-test": "future" } },
        ]);
        const res = await stack.api.createOrder(
          seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey: "after-dead-letters" }),
        );
        assert.equal(res.orderId, nextOrderId);
        await waitForOrder(stack, res.orderId);
        await waitForConsumerCaughtUp(topic, group);

        const dead = await readTopic(deadLetters, 2);
        assert.equal(dead.length, 2);
        const byTest = Object.fromEntries(dead.map((d) => [d.headers["x-test"], d]));
        assert.deepEqual(byTest.garbage.value, garbage, "the payload is kept as it was");
        assert.deepEqual(byTest.future.value, future);
        assert.match(byTest.future.headers["dlq-reason"], /unsupported schema_version 99/);
        assert(byTest.garbage.headers["dlq-reason"].length > 0, "a reason for the garbage");
        for (const d of dead) {
          assert.equal(d.key, nextOrderId);
          assert.equal(d.headers["dlq-original-topic"], topic);
          assert.match(d.headers["dlq-original-offset"], /^\d+$/);
          assert.match(d.headers["dlq-original-partition"], /^\d+$/);
          assert(!Number.isNaN(Date.parse(d.headers["dlq-at"])));
        }
        assert.equal(await stack.redis.get("erp:dead_letters"), "2");
        // Once means once: a handled batch is not fetched and dead-lettered again.
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(await stack.kafkaRecordCount(deadLetters), 2);
        assert.equal(await stack.redis.get("erp:dead_letters"), "2");
        assert.equal(await stack.orderCount(), 1, "only the real order was recorded");
        assert(stack.service("consumer").running);
      },
    );

    await t.step(
      "consumer dead-letters a status change for an order that does not exist",
      async () => {
        const ghost = crypto.randomUUID();
        await produceEvent(topic, statusChangeEvent(ghost, "pending", "preparing"));
        const dead = await readTopic(deadLetters, 3);
        const letter = dead.find((d) => d.key === ghost);
        assert(letter, "the change is on the dead-letter topic");
        assert.match(letter.headers["dlq-reason"], /does not exist/);
        await waitForConsumerCaughtUp(topic, group);
        assert.equal(await stack.redis.get("erp:dead_letters"), "3");
        const { rows } = await stack.pool.query(
          "SELECT count(*)::int AS n FROM order_status_history WHERE order_id = $1",
          [ghost],
        );
        assert.equal(rows[0].n, 0);
        // And the next order still flows.
        const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
        await waitForOrder(stack, res.orderId);
      },
    );
  } finally {
    await stack.close();
  }
});
