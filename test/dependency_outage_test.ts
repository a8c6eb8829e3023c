/**
 * Kafka or Redis down: CreateOrder answers UNAVAILABLE, gives back what it
 * booked and writes nothing; once the dependency is back, a retry with the
 * same idempotency key goes through.
 *
 * This stops the SHARED local broker and Redis: other stacks running at the
 * same time are affected too. The infrastructure is started again in
 * `finally`, whatever happened.
 */
import assert from "node:assert/strict";
import { testOrderIdFor as orderIdFor } from "./support/customer_tokens.ts";
import { RedisSlotReservations } from "../src/adapters/redis/slot_reservations.ts";
import type { OrderResponse } from "../src/gen/ovenline/v1/order_service.ts";
import {
  Code,
  expectGrpcError,
  type OrderApi,
  richError,
  seedExampleRequest,
} from "./support/grpc_client.ts";
import { infraCtl, infraPid } from "./support/infra.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForConsumerCaughtUp } from "./support/events.ts";
import { footprint, produceRaw, waitForOrder } from "./support/observe.ts";
import { restoreLeases, saveLeases } from "./support/redis_db.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

/** Retries a CreateOrder while it answers UNAVAILABLE (the dependency is still coming back). */
async function createWhenAvailable(
  api: OrderApi,
  request: Parameters<OrderApi["createOrder"]>[0],
  timeoutMs = 60_000,
): Promise<OrderResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await api.createOrder(request, 15_000);
    } catch (error) {
      const e = richError(error);
      if (e.code !== Code.UNAVAILABLE || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function slotLoads(stack: TestStack, kitchenId: string): Promise<Record<string, number>> {
  const keys = (await stack.redisKeys(`slot:${kitchenId}:*`)).filter((k) => !k.endsWith(":orders"));
  const loads: Record<string, number> = {};
  for (const k of keys) loads[k] = Number(await stack.redis.get(k));
  return loads;
}

/** Slot loads in Redis equal the weights of the kitchen's orders in PostgreSQL (no booking lost or doubled). */
async function assertLoadsMatchRecord(stack: TestStack, kitchenId: string): Promise<void> {
  const { rows } = await stack.pool.query(
    `SELECT target_slot_id, sum(slot_weight)::int AS load FROM orders
     WHERE kitchen_id = $1 AND status <> 'cancelled' GROUP BY target_slot_id`,
    [kitchenId],
  );
  const expected = Object.fromEntries(rows.map((r) => [r.target_slot_id, r.load]));
  const actual = Object.fromEntries(
    Object.entries(await slotLoads(stack, kitchenId)).filter(([, v]) => v !== 0),
  );
  assert.deepEqual(actual, expected);
}

Deno.test("dependency outages", async (t) => {
  const kafkaKitchen = testKitchen();
  const redisKitchen = testKitchen();
  const stack = await TestStack.start("dependency_outage", {
    kitchens: [kafkaKitchen, redisKitchen],
  });
  try {
    // Warm: the producer, the consumer group and the caches all work before anything breaks.
    const warm = await stack.api.createOrder(seedExampleRequest({ kitchenId: kafkaKitchen.id }));
    await waitForOrder(stack, warm.orderId);

    await t.step(
      "`CreateOrder` answers UNAVAILABLE with Kafka stopped and holds the capacity; after Kafka is back a retry with the same key is recorded and the rest is swept back",
      async () => {
        const keys = ["kafka-down-1", "kafka-down-2", "kafka-down-3"];
        const ids = keys.map((k) => orderIdFor("12345", k));
        const before = await footprint(stack, kafkaKitchen.id);
        await infraCtl("kafka", "stop");
        try {
          const started = Date.now();
          const errors = await Promise.all(
            keys.map((idempotencyKey) =>
              expectGrpcError(stack.api.createOrder(
                seedExampleRequest({ kitchenId: kafkaKitchen.id, idempotencyKey }),
                20_000,
              ))
            ),
          );
          const tookMs = Date.now() - started;
          for (const error of errors) {
            assert.equal(error.code, Code.UNAVAILABLE, error.message);
            assert.equal(error.errorInfo?.reason, "DEPENDENCY_UNAVAILABLE");
            assert.equal(error.errorInfo?.metadata.dependency, "kafka");
            assert(error.retryDelayMs !== undefined, "RetryInfo says when to retry");
          }
          assert(tookMs < 10_000, `answered within the send timeout (took ${tookMs} ms)`);

          // kafkajs retried before giving up, and its error describes only its last attempt: an
          // earlier one may have been written. So the bookings are held, not given back, until
          // the consumer's sweep has seen the topic past them (below).
          await waitFor(
            "every send given up on",
            async () => (await stack.redis.zmscore("order:held", ...ids)).every((s) => s !== null),
            30_000,
            200,
          );
          for (const id of ids) {
            const booking = await stack.redis.hmget(`order:slot:${id}`, "state", "orders_key");
            assert.equal(booking[0], "held", `booking of ${id} is held`);
            assert.equal(await stack.redis.hget(booking[1]!, id), "192400", "capacity kept");
          }
          assert.equal(await stack.orderCount(kafkaKitchen.id), before.pgOrders);
        } finally {
          await infraCtl("kafka", "start");
        }

        // A send that timed out can still land later (kafkajs keeps retrying it). Make that
        // happen for sure: the refused order's own event reaches the topic while the consumer
        // is down, before the customer's retry, so it is what gets recorded.
        const ghost = await stack.redis.hgetBuffer(`order:slot:${ids[0]}`, "event");
        assert(ghost && ghost.length > 0, "the refused order's event is kept with its booking");
        await stack.service("consumer").kill();
        await produceRaw(stack.topics.orders, [{ key: ids[0], value: new Uint8Array(ghost) }]);

        const retried = await createWhenAvailable(
          stack.api,
          seedExampleRequest({ kitchenId: kafkaKitchen.id, idempotencyKey: keys[0] }),
        );
        assert.equal(retried.orderId, ids[0], "the retry names the same order");
        await stack.startService("consumer");
        const row = await waitForOrder(stack, retried.orderId, 60_000);
        assert.equal(row.status, "pending");
        assert.equal(row.total_price_kopecks, "192400");
        // The send that timed out may have landed after all: the answer must match the record.
        assert.equal(row.display_id, retried.displayId, "the display id the customer was told");
        assert.equal(row.slot_start.getTime(), Date.parse(retried.slotStartTime));
        await waitForConsumerCaughtUp(stack.topics.orders, stack.env.KAFKA_GROUP_ID, 60_000);
        const { rows } = await stack.pool.query(
          "SELECT count(*)::int AS n FROM orders WHERE id = $1",
          [retried.orderId],
        );
        assert.equal(rows[0].n, 1, "recorded once");
        // The two orders nobody retried never reached the topic: the sweep gives their capacity
        // back once the group has passed the point where they would be.
        await waitFor(
          "held bookings swept",
          async () => (await stack.redis.zmscore("order:held", ...ids)).every((s) => s === null),
          90_000,
          500,
        );
        for (const id of ids.slice(1)) {
          assert.equal(await stack.redis.hget(`order:slot:${id}`, "state"), "aborted");
        }
        await assertLoadsMatchRecord(stack, kafkaKitchen.id);
        const ghosts = await stack.pool.query(
          "SELECT id::text FROM orders WHERE id = ANY($1::uuid[])",
          [ids.slice(1)],
        );
        if (ghosts.rows.length > 0) {
          console.log(
            `note: ${ghosts.rows.length} order(s) answered UNAVAILABLE were recorded later ` +
              "(a send that timed out was delivered once Kafka came back)",
          );
        }
      },
    );

    await t.step(
      "a frozen broker: the order it may still write keeps its capacity, and is recorded once when the broker wakes",
      async () => {
        const key = "kafka-frozen-1";
        const id = orderIdFor("12345", key);
        const broker = await infraPid("kafka");
        Deno.kill(broker, "SIGSTOP"); // the request reaches the socket; no answer comes back
        try {
          const error = await expectGrpcError(stack.api.createOrder(
            seedExampleRequest({ kitchenId: kafkaKitchen.id, idempotencyKey: key }),
            20_000,
          ));
          assert.equal(error.code, Code.UNAVAILABLE, error.message);
          assert.equal(error.errorInfo?.metadata.dependency, "kafka");
          // The send may yet land: releasing its capacity now could sell it twice.
          const booking = await stack.redis.hmget(`order:slot:${id}`, "state", "slot_key");
          assert.notEqual(booking[0], "aborted", "not given back while Kafka may still write it");
          assert(booking[1], "booked");
          assert.equal(await stack.redis.hget(`${booking[1]}:orders`, id), "192400");
          // kafkajs gives up on its own retries too: the booking is then held, not released.
          await waitFor(
            "the booking held",
            async () => (await stack.redis.zscore("order:held", id)) !== null,
            40_000,
            200,
          );
          assert.equal(await stack.redis.hget(`order:slot:${id}`, "state"), "held");
          assert.equal(await stack.redis.hget(`${booking[1]}:orders`, id), "192400");
        } finally {
          Deno.kill(broker, "SIGCONT");
        }
        // The broker reads the request it was sent while frozen: the order exists after all.
        const retried = await createWhenAvailable(
          stack.api,
          seedExampleRequest({ kitchenId: kafkaKitchen.id, idempotencyKey: key }),
        );
        assert.equal(retried.orderId, id, "the retry names the same order");
        const row = await waitForOrder(stack, id, 60_000);
        assert.equal(row.display_id, retried.displayId);
        await waitForConsumerCaughtUp(stack.topics.orders, stack.env.KAFKA_GROUP_ID, 60_000);
        const { rows } = await stack.pool.query(
          "SELECT count(*)::int AS n FROM orders WHERE id = $1",
          [id],
        );
        assert.equal(rows[0].n, 1, "recorded once");
        assert.equal(await stack.redis.zscore("order:held", id), null, "no longer held");
        assert.equal(await stack.redis.hget(`order:slot:${id}`, "state"), "applied");
        await assertLoadsMatchRecord(stack, kafkaKitchen.id);
      },
    );

    await t.step(
      "held bookings whose order never reached Kafka, and one whose intake died mid-send, are released by the consumer's sweep",
      async () => {
        const id = crypto.randomUUID();
        const loadsBefore = await slotLoads(stack, kafkaKitchen.id);
        const start = new Date(Math.ceil(Date.now() / 900_000) * 900_000 + 3_600_000);
        const reservations = new RedisSlotReservations(stack.redis);
        const book = (orderId: string, weight: number, createdAt: Date) =>
          reservations.reserve({
            orderId,
            kitchenId: kafkaKitchen.id,
            candidates: [{
              id: `slot:${kafkaKitchen.id}:${start.getTime() / 1000}`,
              start,
              end: new Date(start.getTime() + 900_000),
              businessDate: start.toISOString().slice(0, 10),
            }],
            weight,
            capacity: kafkaKitchen.capacity,
            createdAt,
            customerId: "sweep-test",
            customerPhone: "+79990000000",
            rateLimit: { points: 1000, windowSeconds: 60 },
          });
        const outcome = await book(id, 777, new Date());
        assert.equal(outcome.kind, "reserved");
        // As intake does after an uncertain send, a minute ago; no event ever reaches the topic.
        await reservations.sendFailed(id, "uncertain", new Date(Date.now() - 60_000));
        // And a booking whose intake died while sending, two minutes ago: never settled at all.
        const orphan = crypto.randomUUID();
        const orphaned = await book(orphan, 1_000, new Date(Date.now() - 120_000));
        assert.equal(orphaned.kind, "reserved");
        const slotKey = `slot:${kafkaKitchen.id}:${start.getTime() / 1000}`;
        assert.equal(
          Number(await stack.redis.get(slotKey)),
          (loadsBefore[slotKey] ?? 0) + 777 + 1_000,
        );

        await waitFor(
          "the sweep released it",
          async () => (await stack.redis.hget(`order:slot:${id}`, "state")) === "aborted",
          30_000,
          200,
        );
        // The orphan is held first (its send may have landed), then released the same way.
        await waitFor(
          "the orphaned booking held, then released",
          async () => (await stack.redis.hget(`order:slot:${orphan}`, "state")) === "aborted",
          60_000,
          200,
        );
        assert.equal(Number(await stack.redis.get(slotKey)), loadsBefore[slotKey] ?? 0);
        assert.equal(await stack.redis.zscore("order:held", id), null);
        assert.equal(await stack.redis.zscore("order:sending", orphan), null);
        assert.equal(await stack.redis.hexists(`${slotKey}:orders`, id), 0);
        const { rows } = await stack.pool.query("SELECT 1 FROM orders WHERE id = $1", [id]);
        assert.equal(rows.length, 0, "never recorded");
      },
    );

    await t.step(
      "`CreateOrder` answers UNAVAILABLE with Redis stopped and writes nothing anywhere",
      async () => {
        const before = await footprint(stack, redisKitchen.id);
        const pgTotal = await stack.orderCount();
        const leases = await saveLeases();
        await infraCtl("redis", "stop");
        try {
          for (const idempotencyKey of ["", "redis-down-1"]) {
            const error = await expectGrpcError(stack.api.createOrder(
              seedExampleRequest({ kitchenId: redisKitchen.id, idempotencyKey }),
              15_000,
            ));
            assert.equal(error.code, Code.UNAVAILABLE, error.message);
            assert.equal(error.errorInfo?.reason, "DEPENDENCY_UNAVAILABLE");
            assert.match(error.errorInfo?.metadata.dependency ?? "", /redis/);
          }
          assert.equal(await stack.kafkaRecordCount(), before.kafkaRecords, "no Kafka record");
          // Give a stray record time to reach the record, if one had been produced.
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(await stack.orderCount(), pgTotal, "no PostgreSQL row");
        } finally {
          await infraCtl("redis", "start");
          // Redis keeps nothing on disk: put every running stack's database lease back at once.
          await restoreLeases(leases);
          await stack.redisLease.reclaim();
        }
        // Redis came back empty: the consumer restores the live state from PostgreSQL.
        await waitFor(
          "the live state restored",
          async () => (await stack.redis.exists("ovenline:state:ready")) === 1,
          30_000,
          100,
        );
        assert.equal(await stack.kafkaRecordCount(), before.kafkaRecords);
        assert.equal(await stack.orderCount(), pgTotal);
        assert.deepEqual(await stack.redisKeys(`slot:${redisKitchen.id}:*`), []);
        assert.equal(
          await stack.redis.exists(`order:slot:${orderIdFor("12345", "redis-down-1")}`),
          0,
        );
        // And orders flow again.
        const res = await createWhenAvailable(
          stack.api,
          seedExampleRequest({ kitchenId: redisKitchen.id, idempotencyKey: "redis-down-1" }),
        );
        await waitForOrder(stack, res.orderId, 30_000);
        assert.equal(await stack.orderCount(redisKitchen.id), 1);
        await assertLoadsMatchRecord(stack, kafkaKitchen.id);
        assert.equal(Number(await stack.redis.get("orders:total")), await stack.orderCount());
      },
    );
  } finally {
    // Whatever failed above, leave the shared infrastructure running.
    await infraCtl("kafka", "start").catch((e) => console.error(e));
    await infraCtl("redis", "start").catch((e) => console.error(e));
    await stack.close();
  }
});
