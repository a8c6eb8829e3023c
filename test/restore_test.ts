/**
 * Start-up restore: when Redis comes back empty, the consumer rebuilds the
 * live state from PostgreSQL, and it equals what was there before. Until it
 * has, intake books nothing.
 */
import assert from "node:assert/strict";
import type { OrderStatus } from "../src/domain/status.ts";
import { OrderStatus as ProtoStatus } from "../src/gen/ovenline/v1/order.ts";
import { Code, expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { produceEvent, statusChangeEvent, waitForConsumerCaughtUp } from "./support/events.ts";
import { liveState, recordedOrder, waitForOrder, waitForOrders } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const HOUR = 3_600_000;
const PATH: OrderStatus[] = ["pending", "preparing", "cooking", "ready", "completed"];

Deno.test("live state restore from PostgreSQL", async (t) => {
  const asap = testKitchen();
  const later = testKitchen();
  const tight = testKitchen({ capacityUnit: "orders", capacity: 2 });
  const stack = await TestStack.start("restore", {
    kitchens: [asap, later, tight],
    // intake keeps each customer's open orders, which the restore must rebuild too.
    env: { MAX_OPEN_ORDERS_PER_CUSTOMER: "100" },
  });
  const topic = stack.topics.orders;
  const group = stack.env.KAFKA_GROUP_ID;

  /** Moves an order along pending → … → `to` with status-change events, as the KDS would. */
  async function advance(orderId: string, to: OrderStatus): Promise<void> {
    for (let i = 0; PATH[i] !== to; i++) {
      await produceEvent(topic, statusChangeEvent(orderId, PATH[i], PATH[i + 1]));
    }
  }

  try {
    // Orders in every state: pending, preparing, cooking, completed, cancelled; due now and later.
    const place = (kitchenId: string, extra: Parameters<typeof seedExampleRequest>[0] = {}) =>
      stack.api.createOrder(seedExampleRequest({ kitchenId, ...extra }));
    const a = await Promise.all([
      place(asap.id),
      place(asap.id, { idempotencyKey: "to-cancel" }),
      place(asap.id),
      place(asap.id, { quantity: 3 }),
      place(asap.id, { items: [{ pizzaName: "Маргарита", quantity: 1, extras: ["Бекон"] }] }),
      place(asap.id),
    ]);
    const now = Date.now();
    const p = [
      await place(later.id, { requestedTime: new Date(now + 3 * HOUR) }),
      await place(later.id, { requestedTime: new Date(now + 3 * HOUR) }),
      await place(later.id, { requestedTime: new Date(now + 4 * HOUR + 20 * 60_000) }),
      await place(later.id, { requestedTime: new Date(now + 5 * HOUR) }),
    ];
    const t1 = await place(tight.id);
    const t2 = await place(tight.id);
    assert.equal(t1.slotStartTime, t2.slotStartTime, "two orders fill the tight kitchen's slot");
    await waitForOrders(stack, [...a, ...p, t1, t2].map((o) => o.orderId));

    const cancelled = await stack.api.cancelOrder({
      orderId: a[1].orderId,
      customerId: "12345",
      reason: "changed my mind",
    });
    assert.equal(cancelled.status, ProtoStatus.ORDER_STATUS_CANCELLED);
    await stack.api.cancelOrder({ orderId: p[3].orderId, customerId: "12345", reason: "" });
    await advance(a[2].orderId, "preparing");
    await advance(a[3].orderId, "cooking");
    await advance(a[4].orderId, "completed");
    await advance(p[1].orderId, "preparing");
    await advance(t1.orderId, "completed");
    await waitForConsumerCaughtUp(topic, group);
    await waitFor(
      "the cancellation applied",
      async () => (await recordedOrder(stack, a[1].orderId))?.status === "cancelled",
    );

    const before = await liveState(stack);
    // The scenario covers what it claims to.
    const statuses = Object.entries(before)
      .filter(([k]) => k.startsWith("erp:order:"))
      .map(([, v]) => (v as { status: string }).status);
    for (const s of ["pending", "preparing", "cooking", "completed", "cancelled"]) {
      assert(statuses.includes(s), `an order is ${s}`);
    }
    assert((before["erp:orders:active"] as unknown[]).length >= 4);
    assert.equal((before["erp:orders:pending_slots"] as unknown[]).length, 3);
    assert.ok(before["customer:12345:open"], "the customer's open orders are listed");

    await t.step(
      "`CreateOrder` answers UNAVAILABLE while the live state is missing, and writes nothing",
      async () => {
        await stack.service("consumer").kill();
        await stack.redis.flushdb();
        const records = await stack.kafkaRecordCount();
        const error = await expectGrpcError(place(asap.id, { idempotencyKey: "during-restore" }));
        assert.equal(error.code, Code.UNAVAILABLE);
        assert.equal(error.errorInfo?.reason, "DEPENDENCY_UNAVAILABLE");
        assert.equal(await stack.kafkaRecordCount(), records);
        // Nothing but the attempt's rate-limit counters (which are not order state).
        const written = (await stack.redisKeys("*")).filter((k) => !k.startsWith("ratelimit:"));
        assert.deepEqual(written, [], "nothing reserved");
        assert.equal(await stack.orderCount(), 12);
      },
    );

    await t.step("consumer restart rebuilds Redis from PostgreSQL exactly as it was", async () => {
      await stack.startService("consumer");
      await waitFor(
        "the ready marker",
        async () => (await stack.redis.exists("ovenline:state:ready")) === 1,
      );
      const after = await liveState(stack);
      const differing = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) =>
        JSON.stringify(before[k]) !== JSON.stringify(after[k])
      ).map((k) =>
        `${k}: ${JSON.stringify(before[k])?.slice(0, 120)} → ${
          JSON.stringify(after[k])?.slice(0, 120)
        }`
      );
      assert.deepEqual(differing, [], "keys whose state differs after the restore");
      assert.deepEqual(after, before);
      // Slot keys live at least until their slot has ended.
      for (const key of Object.keys(after).filter((k) => /^slot:[^:]+:\d+$/.test(k))) {
        const end = (Number(key.split(":")[2]) + 15 * 60) * 1000;
        const ttl = await stack.redis.pttl(key);
        assert(ttl > end - Date.now(), `${key} lives past its slot (${ttl} ms)`);
      }
    });

    await t.step(
      "after the restore a full slot stays full, completed orders included",
      async () => {
        const t3 = await place(tight.id);
        assert.equal(
          Date.parse(t3.slotStartTime),
          Date.parse(t1.slotStartTime) + 15 * 60_000,
          "the slot holding a completed and a pending order has no room",
        );
        await waitForOrder(stack, t3.orderId, 30_000);
      },
    );

    await t.step(
      "after the restore a retry of a cancelled order answers with that order",
      async () => {
        const retry = await place(asap.id, { idempotencyKey: "to-cancel" });
        assert.equal(retry.orderId, a[1].orderId);
        assert.equal(retry.status, ProtoStatus.ORDER_STATUS_CANCELLED);
        assert.equal(await stack.orderCount(asap.id), 6);
      },
    );
  } finally {
    await stack.close();
  }
});
