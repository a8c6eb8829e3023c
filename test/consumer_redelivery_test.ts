/**
 * The consumer applies each Kafka event once, however often it is delivered,
 * and loses nothing when it is killed in the middle of a stream.
 */
import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import {
  placedEvent,
  produceEvent,
  statusChangeEvent,
  waitForConsumerCaughtUp,
} from "./support/events.ts";
import {
  historyRows,
  mapLimit,
  produceRaw,
  readTopic,
  recordedOrder,
  streamEvents,
  waitForOrder,
  waitForOrders,
} from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

Deno.test("consumer redelivery and crashes", async (t) => {
  const redelivered = testKitchen();
  const reproduced = testKitchen();
  const busy = testKitchen();
  const stack = await TestStack.start("consumer_redelivery", {
    kitchens: [redelivered, reproduced, busy],
  });
  const topic = stack.topics.orders;
  const group = stack.env.KAFKA_GROUP_ID;
  try {
    await t.step(
      "consumer applies an OrderPlaced delivered 3 times once: one row, one history entry, one state change",
      async (inner) => {
        const totalBefore = Number(await stack.redis.get("orders:total") ?? 0);
        const pendingBefore = Number(await stack.redis.get("erp:orders:pending") ?? 0);
        const event = placedEvent(redelivered, { displaySeq: 7, quantity: 2 });
        await produceEvent(topic, event, 3);
        await waitForConsumerCaughtUp(topic, group);

        assert.equal(await stack.orderCount(redelivered.id), 1);
        const row = await waitForOrder(stack, event.orderId);
        assert.equal(row.created_at.toISOString(), event.order.createdAt);
        assert.equal(row.total_price_kopecks, "192400");
        assert.equal(row.display_id, "007");
        assert.equal(row.version, 1);
        const history = await historyRows(stack, event.orderId);
        assert.deepEqual(history.map((h) => [h.event_id, h.from_status, h.to_status]), [
          [event.eventId, null, "pending"],
        ]);
        assert.equal(Number(await stack.redis.get("orders:total")), totalBefore + 1);
        assert.equal(Number(await stack.redis.get("erp:orders:pending")), pendingBefore + 1);
        const events = (await streamEvents(stack)).filter((e) => e.order?.id === event.orderId);
        // Due at once (visible_at is now), so it is also made visible: each event once.
        assert.deepEqual(events.map((e) => e.type), ["order.created", "order.visible"]);
        assert.equal(await stack.redis.get(event.order.targetSlotId), "192400", "booked once");
        assert.deepEqual(await stack.redis.hgetall(`${event.order.targetSlotId}:orders`), {
          [event.orderId]: "192400",
        });
        assert.equal(
          await stack.redis.get(`display:${redelivered.id}:${event.order.businessDate}`),
          "7",
        );
        assert.deepEqual(
          JSON.parse((await stack.redis.get(`erp:order:${event.orderId}`))!),
          await recordedOrder(stack, event.orderId),
        );

        await inner.step(
          "consumer applies a status change delivered 3 times once: preparing, version 2, one history row",
          async () => {
            const byStatus = await stack.redis.hgetall("erp:orders:by_status");
            const change = statusChangeEvent(event.orderId, "pending", "preparing");
            await produceEvent(topic, change, 3);
            await waitForConsumerCaughtUp(topic, group);

            const after = await recordedOrder(stack, event.orderId);
            assert.equal(after?.status, "preparing");
            assert.equal(after?.version, 2);
            assert.equal(after?.updatedAt, change.occurredAt.toISOString());
            const history = await historyRows(stack, event.orderId);
            assert.equal(history.length, 2);
            assert.deepEqual(
              history.filter((h) => h.event_id === change.eventId).map((h) => [
                h.from_status,
                h.to_status,
                h.actor,
              ]),
              [["pending", "preparing", "cook"]],
            );
            const snapshot = JSON.parse((await stack.redis.get(`erp:order:${event.orderId}`))!);
            assert.equal(snapshot.status, "preparing");
            assert.equal(snapshot.version, 2);
            assert.deepEqual(snapshot, after);
            const types = (await streamEvents(stack))
              .filter((e) => e.order?.id === event.orderId)
              .map((e) => e.type);
            assert.deepEqual(types, ["order.created", "order.visible", "order.status_changed"]);
            const now = await stack.redis.hgetall("erp:orders:by_status");
            assert.equal(Number(now.pending), Number(byStatus.pending) - 1);
            assert.equal(Number(now.preparing ?? 0), Number(byStatus.preparing ?? 0) + 1);
            assert.equal(Number(await stack.redis.get("erp:orders:pending")), pendingBefore);
            assert.equal(Number(await stack.redis.get("orders:total")), totalBefore + 1);
            // Still in its slot: preparing is live.
            assert.equal(await stack.redis.get(event.order.targetSlotId), "192400");
          },
        );
      },
    );

    await t.step(
      "consumer ignores a record of intake's re-produced 3 more times (same bytes, same key)",
      async () => {
        const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: reproduced.id }));
        await waitForOrder(stack, res.orderId);
        const total = await stack.redis.get("orders:total");
        const records = await readTopic(topic, await stack.kafkaRecordCount());
        const original = records.find((r) => r.key === res.orderId);
        assert(original?.value, "intake's record is on the topic");
        await produceRaw(
          topic,
          Array.from({ length: 3 }, () => ({
            key: original.key,
            value: original.value,
            headers: original.headers,
          })),
        );
        await waitForConsumerCaughtUp(topic, group);
        assert.equal(await stack.orderCount(reproduced.id), 1);
        assert.equal((await historyRows(stack, res.orderId)).length, 1);
        assert.equal(await stack.redis.get("orders:total"), total);
        const types = (await streamEvents(stack))
          .filter((e) => e.order?.id === res.orderId)
          .map((e) => e.type);
        assert.deepEqual(types, ["order.created", "order.visible"]);
      },
    );

    await t.step(
      "consumer killed while 300 orders are placed: every acknowledged order is recorded exactly once",
      async () => {
        const consumer = stack.service("consumer");
        const n = 300;
        let acked = 0;
        let killed: Promise<void> | undefined;
        let restarted: Promise<void> | undefined;
        const started = performance.now();
        const answers = await mapLimit(Array.from({ length: n }, (_, i) => i), 32, async (i) => {
          const res = await stack.api.createOrder(
            seedExampleRequest({ kitchenId: busy.id, customerId: String(10_000 + i) }),
          );
          acked++;
          if (acked === 80) killed = consumer.kill();
          if (acked === 200) restarted = killed!.then(() => consumer.start());
          return res;
        });
        const placedMs = performance.now() - started;
        await restarted;
        const ids = answers.map((a) => a.orderId);
        assert.equal(new Set(ids).size, n);
        await waitForOrders(stack, ids, 60_000);
        const appliedMs = performance.now() - started;
        console.log(
          `placed ${n} orders in ${Math.round(placedMs)} ms (${
            (n / placedMs * 1000).toFixed(0)
          }/s); ` +
            `all recorded and projected after ${
              Math.round(appliedMs)
            } ms (consumer killed at 80 acks)`,
        );
        await waitForConsumerCaughtUp(topic, group);

        const { rows } = await stack.pool.query(
          `SELECT id::text, count(*)::int AS n FROM orders WHERE kitchen_id = $1 GROUP BY id`,
          [busy.id],
        );
        assert.equal(rows.length, n);
        assert(rows.every((r) => r.n === 1), "no order recorded twice");
        assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
        const idRows = await stack.pool.query(
          "SELECT count(*)::int AS n FROM order_ids WHERE id = ANY($1::uuid[])",
          [ids],
        );
        assert.equal(idRows.rows[0].n, n);
        const history = await stack.pool.query(
          `SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS orders
           FROM order_status_history WHERE order_id = ANY($1::uuid[])`,
          [ids],
        );
        assert.deepEqual(history.rows[0], { n, orders: n });
        const displayIds = await stack.pool.query(
          "SELECT count(DISTINCT display_id)::int AS n FROM orders WHERE kitchen_id = $1",
          [busy.id],
        );
        assert.equal(displayIds.rows[0].n, n, "display ids unique in the kitchen");

        // Redis: every order projected once; counters agree with the record.
        assert.equal(await stack.redis.exists(...ids.map((id) => `erp:order:${id}`)), n);
        assert.equal(Number(await stack.redis.get("orders:total")), await stack.orderCount());
        const created = (await streamEvents(stack)).filter((e) =>
          e.type === "order.created" && e.order?.kitchenId === busy.id
        );
        assert.equal(created.length, n, "one order.created per order");
        const slotLoads = await stack.pool.query(
          `SELECT target_slot_id, sum(slot_weight)::text AS load FROM orders
           WHERE kitchen_id = $1 GROUP BY target_slot_id`,
          [busy.id],
        );
        for (const r of slotLoads.rows) {
          assert.equal(await stack.redis.get(r.target_slot_id), r.load, r.target_slot_id);
        }
      },
    );
  } finally {
    await stack.close();
  }
});
