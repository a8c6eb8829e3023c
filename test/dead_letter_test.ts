/**
 * Events the consumer can never apply go to the dead-letter topic with the
 * reason in a header, are counted, and do not hold the partition up.
 */
import assert from "node:assert/strict";
import { encodeOrderEvent } from "../src/adapters/protobuf/order_event_codec.ts";
import { testOrderIdFor as orderIdFor } from "./support/customer_tokens.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import {
  placedEvent,
  produceEvent,
  statusChangeEvent,
  waitForConsumerCaughtUp,
} from "./support/events.ts";
import { ROOT_PATH } from "./support/infra.ts";
import {
  historyRows,
  produceRaw,
  readTopic,
  recordedOrder,
  waitForOrder,
} from "./support/observe.ts";
import { waitFor } from "./support/wait.ts";
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
        const garbage = new Uint8Array([
          0xff,
          0xff,
          0xff,
          0xff,
          0x0f,
          0x00,
          0x13,
          0x37,
          0xde,
          0xad,
        ]);
        const future = encodeOrderEvent({
          ...placedEvent(kitchen, { displaySeq: 50 }),
          schemaVersion: 99,
        });
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

    await t.step(
      "`deno task dlq list` shows every dead letter with its reason and origin",
      async () => {
        const out = await dlq(stack, "list");
        assert.equal(out.code, 0, out.stderr);
        const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
        assert.equal(lines.length, 3);
        assert.match(out.stderr, /3 dead letter\(s\)/);
        for (const l of lines) {
          assert.match(l.id, /^\d+:\d+$/);
          assert(l.reason.length > 0);
          assert(l.from.startsWith(`${topic}/`));
        }
        assert.match(lines[0].event, /undecodable/);
        assert.match(lines[1].reason, /unsupported schema_version 99/);
        assert.match(lines[2].event, /^status_change /);
        assert.match(lines[2].reason, /does not exist/);
      },
    );

    await t.step(
      "`deno task dlq replay` sends a dead letter back once its cause is fixed, and the consumer applies it",
      async () => {
        // A change that arrived before its order: dead-lettered, then the order arrives.
        const placed = placedEvent(kitchen, { displaySeq: 90 });
        await produceEvent(topic, statusChangeEvent(placed.orderId, "pending", "preparing"));
        const dead = await readTopic(deadLetters, 4);
        const letter = dead.find((d) => d.key === placed.orderId)!;
        assert(letter, "dead-lettered");
        await produceEvent(topic, placed);
        await waitForOrder(stack, placed.orderId);
        await waitForConsumerCaughtUp(topic, group);
        assert.equal((await recordedOrder(stack, placed.orderId))?.status, "pending");

        const out = await dlq(stack, "replay", `${letter.partition}:${letter.offset}`);
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, new RegExp(`replayed ${letter.partition}:${letter.offset}`));
        await waitFor(
          "the replayed change applied",
          async () => (await recordedOrder(stack, placed.orderId))?.status === "preparing",
        );
        assert.equal((await historyRows(stack, placed.orderId)).length, 2);
        await waitForConsumerCaughtUp(topic, group);
        assert.equal(await stack.kafkaRecordCount(deadLetters), 4, "not dead-lettered again");
        assert.equal(await stack.redis.get("erp:dead_letters"), "4");

        const unknown = await dlq(stack, "replay", "0:999999");
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /not in/);
      },
    );
  } finally {
    await stack.close();
  }
});

/** Runs the operators' dead-letter tool against the stack's topics. */
async function dlq(stack: TestStack, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "dlq", ...args],
    cwd: ROOT_PATH,
    env: {
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      KAFKA_TOPIC: stack.topics.orders,
      KAFKA_DLQ_TOPIC: stack.topics.deadLetters,
      KAFKAJS_NO_PARTITIONER_WARNING: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}
