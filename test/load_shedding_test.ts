/**
 * Load shedding: with INTAKE_MAX_IN_FLIGHT calls in flight, intake refuses the next CreateOrder at
 * once (UNAVAILABLE, OVERLOADED, RetryInfo) instead of queueing it, counts it as `overloaded`,
 * writes nothing for it, and serves the calls it admitted. A retry with the same key goes through.
 *
 * The admitted calls are held in flight by pausing Redis' writes (CLIENT PAUSE … WRITE): their
 * booking script waits, reads go on. The pause is shorter than intake's Redis command timeout
 * (3 s), and lifted as soon as the refusals are in.
 */
import assert from "node:assert/strict";
import { testOrderIdFor as orderIdFor } from "./support/customer_tokens.ts";
import type { OrderResponse } from "../src/gen/ovenline/v1/order_service.ts";
import { Code, expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForOrder, waitForOrders } from "./support/observe.ts";
import { scrape, valueOf } from "./support/prometheus_text.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const LIMIT = 3;
const PAUSE_MS = 2_500;

Deno.test("intake sheds the calls past INTAKE_MAX_IN_FLIGHT at once and loses none it admitted", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("load_shedding", {
    kitchens: [kitchen],
    metrics: true,
    env: { INTAKE_MAX_IN_FLIGHT: String(LIMIT) },
  });
  const pauser = stack.redis.duplicate();
  try {
    const intakeMetrics = () => scrape(stack.metricsPorts.get("intake")!);
    const warm = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    await waitForOrder(stack, warm.orderId);
    const recordsBefore = await stack.kafkaRecordCount();

    const heldKeys = Array.from({ length: LIMIT }, (_, i) => `shed-held-${i}`);
    const shedKeys = Array.from({ length: 5 }, (_, i) => `shed-refused-${i}`);
    const answered: string[] = [];
    let held: Promise<OrderResponse[]>;

    await t.step(
      `with ${LIMIT} calls in flight, 5 more are refused at once with OVERLOADED`,
      async () => {
        await pauser.call("CLIENT", "PAUSE", String(PAUSE_MS), "WRITE");
        try {
          held = Promise.all(heldKeys.map(async (idempotencyKey) => {
            const r = await stack.api.createOrder(
              seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey }),
            );
            answered.push(idempotencyKey);
            return r;
          }));
          await waitFor(
            `${LIMIT} calls in flight at /metrics`,
            async () => valueOf(await intakeMetrics(), "ovenline_intake_calls_in_flight") === LIMIT,
            PAUSE_MS,
            20,
          );
          const errors = await Promise.all(shedKeys.map(async (idempotencyKey) => {
            const e = await expectGrpcError(
              stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey })),
            );
            answered.push(idempotencyKey);
            return e;
          }));
          for (const e of errors) {
            assert.equal(e.code, Code.UNAVAILABLE, e.message);
            assert.equal(e.errorInfo?.reason, "OVERLOADED");
            assert.deepEqual(e.errorInfo?.metadata, { service: "intake", in_flight: "3" });
            assert.match(e.message, /intake is at capacity \(3 calls in flight\)/);
            assert.match(e.message, /retry with the same idempotency key/);
            assert.ok(e.retryDelayMs !== undefined, "RetryInfo says when to retry");
          }
          assert.deepEqual(answered, shedKeys, "refused before any admitted call was answered");
        } finally {
          await pauser.call("CLIENT", "UNPAUSE");
        }
      },
    );

    await t.step("the admitted calls are served; the refused ones wrote nothing", async () => {
      const orders = await held;
      assert.deepEqual(answered.slice(shedKeys.length).sort(), [...heldKeys].sort());
      await waitForOrders(stack, orders.map((o) => o.orderId));
      assert.equal(await stack.kafkaRecordCount(), recordsBefore + LIMIT, "one event per order");
      for (const key of shedKeys) {
        const id = orderIdFor("12345", key);
        const { rows } = await stack.pool.query("SELECT 1 FROM orders WHERE id = $1", [id]);
        assert.equal(rows.length, 0, `${key} is not in PostgreSQL`);
        assert.equal(await stack.redis.exists(`order:slot:${id}`), 0, `${key} booked nothing`);
        assert.equal(await stack.redis.exists(`erp:order:${id}`), 0, `${key} is not live`);
      }
    });

    await t.step(
      "/metrics counts them as overloaded, and the calls in flight go back to 0",
      async () => {
        const m = await intakeMetrics();
        assert.equal(valueOf(m, "ovenline_orders_rejected_total", { reason: "overloaded" }), 5);
        assert.equal(valueOf(m, "ovenline_orders_rejected_total", { reason: "unavailable" }), 0);
        assert.equal(valueOf(m, "ovenline_intake_calls_in_flight"), 0);
      },
    );

    await t.step("a refused order retried with the same key is accepted, once", async () => {
      const request = seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey: shedKeys[0] });
      const order = await stack.api.createOrder(request);
      assert.equal(order.orderId, orderIdFor("12345", shedKeys[0]));
      await waitForOrder(stack, order.orderId);
      const again = await stack.api.createOrder(request);
      assert.equal(again.orderId, order.orderId);
      const { rows } = await stack.pool.query(
        "SELECT count(*)::int AS n FROM orders WHERE id = $1",
        [order.orderId],
      );
      assert.equal(rows[0].n, 1);
    });
  } finally {
    await pauser.call("CLIENT", "UNPAUSE").catch(() => {});
    pauser.disconnect();
    await stack.close();
  }
});
