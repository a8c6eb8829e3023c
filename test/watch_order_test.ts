/**
 * WatchOrder (server-streaming gRPC): a customer app follows its order. Every
 * status change arrives, in order, and the stream ends with the order's final
 * status; unknown orders are NOT_FOUND; callers that hang up do not hurt
 * intake. Status changes are made the way cooks make them: over the hub's REST.
 */
import assert from "node:assert/strict";
import {
  type ClientReadableStream,
  type Metadata,
  status as Code,
  type StatusObject,
} from "@grpc/grpc-js";
import type { OrderStatusUpdate } from "../src/gen/ovenline/v1/order_service.ts";
import { OrderStatus as S } from "../src/gen/ovenline/v1/order.ts";
import type { OrderStatus } from "../src/domain/status.ts";
import { HealthClient, OrderApi, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForOrder } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

/** One WatchOrder call, recording what it receives and how it ends. */
class Watch {
  readonly updates: OrderStatusUpdate[] = [];
  readonly call: ClientReadableStream<OrderStatusUpdate>;
  /** The call's final status (OK when the server ended the stream). */
  readonly done: Promise<StatusObject>;
  ended = false;

  private constructor(api: OrderApi, orderId: string, metadata: Metadata, deadlineMs: number) {
    this.call = api.raw.watchOrder({ orderId }, metadata, { deadline: Date.now() + deadlineMs });
    this.call.on("data", (u: OrderStatusUpdate) => this.updates.push(u));
    this.call.on("error", () => {}); // reported through "status"
    this.done = new Promise((resolve) =>
      this.call.on("status", (s: StatusObject) => {
        this.ended = true;
        resolve(s);
      })
    );
  }

  /** A watch signed in as the customer who placed the order through `api`. */
  static async open(api: OrderApi, orderId: string, deadlineMs = 60_000): Promise<Watch> {
    return new Watch(api, orderId, await api.metadataForOrder(orderId), deadlineMs);
  }

  statuses(): S[] {
    return this.updates.map((u) => u.status);
  }

  async waitForCount(n: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      `${n} updates (have ${this.statuses().join(",")})`,
      () => this.updates.length >= n,
      timeoutMs,
      10,
    );
  }

  async ending(timeoutMs = 10_000): Promise<StatusObject> {
    return await waitFor("the stream to end", () => this.ended && this.done, timeoutMs, 10);
  }
}

Deno.test("`WatchOrder` streams an order's status changes", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("watch_order", {
    kitchens: [kitchen],
    services: ["consumer", "intake", "hub"],
  });
  const api = `${stack.hubUrl}/api/v1/erp`;

  async function setStatus(orderId: string, status: OrderStatus): Promise<void> {
    const res = await stack.hubFetch(`${api}/orders/${orderId}/status`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status }),
    });
    assert.equal(res.status, 202, await res.text());
  }

  /** Places an order and waits until the consumer has applied it. */
  async function placed(): Promise<{ orderId: string; displayId: string }> {
    const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    await waitForOrder(stack, res.orderId);
    return res;
  }

  /** Intake's connection for following the event stream, as Redis sees it. */
  async function watchConnection(): Promise<{ flags: string; idle: number } | undefined> {
    const list = await stack.redis.client("LIST") as string;
    for (const line of list.split("\n")) {
      const f = Object.fromEntries(line.split(" ").map((kv) => kv.split("=", 2)));
      if (f.name === "ovenline-intake-watch" && Number(f.db) === stack.redisLease.db) {
        return { flags: f.flags, idle: Number(f.idle) };
      }
    }
    return undefined;
  }

  const PATH: [OrderStatus, S][] = [
    ["preparing", S.ORDER_STATUS_PREPARING],
    ["cooking", S.ORDER_STATUS_COOKING],
    ["ready", S.ORDER_STATUS_READY],
    ["completed", S.ORDER_STATUS_COMPLETED],
  ];

  try {
    let completedId = "";

    await t.step("every change, in order, pending → completed, then the stream ends", async () => {
      const order = await placed();
      completedId = order.orderId;
      const watch = await Watch.open(stack.api, order.orderId);
      const second = await Watch.open(stack.api, order.orderId);
      await watch.waitForCount(1);
      await second.waitForCount(1);
      assert.deepEqual(watch.statuses(), [S.ORDER_STATUS_PENDING], "the current status first");
      let late: Watch | undefined;
      for (const [i, [status, proto]] of PATH.entries()) {
        await setStatus(order.orderId, status);
        await watch.waitForCount(i + 2);
        assert.equal(watch.updates.at(-1)!.status, proto);
        if (i < PATH.length - 1) assert.equal(watch.ended, false, "open until terminal");
        // A watcher that joins midway starts from the status the order has now.
        if (status === "cooking") {
          late = await Watch.open(stack.api, order.orderId);
          await late.waitForCount(1);
        }
      }
      const full = [
        S.ORDER_STATUS_PENDING,
        S.ORDER_STATUS_PREPARING,
        S.ORDER_STATUS_COOKING,
        S.ORDER_STATUS_READY,
        S.ORDER_STATUS_COMPLETED,
      ];
      for (const w of [watch, second]) {
        const end = await w.ending();
        assert.equal(end.code, Code.OK, end.details);
        assert.deepEqual(w.statuses(), full, "each status once, in order");
      }
      assert.deepEqual(late!.statuses(), full.slice(2));
      assert.equal((await late!.ending()).code, Code.OK);

      // The updates carry the order's identity and the times of the changes, as recorded.
      const { rows } = await stack.pool.query(
        `SELECT to_status, occurred_at FROM order_status_history WHERE order_id = $1 ORDER BY occurred_at`,
        [order.orderId],
      );
      assert.deepEqual(rows.map((r) => r.to_status), ["pending", ...PATH.map(([s]) => s)]);
      for (const [i, u] of watch.updates.entries()) {
        assert.equal(u.orderId, order.orderId);
        assert.equal(u.displayId, order.displayId);
        if (i > 0) {
          assert.equal(
            u.changedAt?.getTime(),
            rows[i].occurred_at.getTime(),
            `changedAt of ${rows[i].to_status}`,
          );
        }
      }
    });

    await t.step("an order that is already completed gives its status and ends", async () => {
      const watch = await Watch.open(stack.api, completedId);
      const end = await watch.ending();
      assert.equal(end.code, Code.OK);
      assert.deepEqual(watch.statuses(), [S.ORDER_STATUS_COMPLETED]);
    });

    await t.step("a cancelled order ends the stream with cancelled", async () => {
      // Cancelled by the customer while pending (gRPC CancelOrder) …
      const a = await placed();
      const watchA = await Watch.open(stack.api, a.orderId);
      await watchA.waitForCount(1);
      await stack.api.cancelOrder({
        orderId: a.orderId,
        customerId: "12345",
        reason: "changed my mind",
      });
      assert.equal((await watchA.ending()).code, Code.OK);
      assert.deepEqual(watchA.statuses(), [S.ORDER_STATUS_PENDING, S.ORDER_STATUS_CANCELLED]);
      // … or by the kitchen while preparing (REST).
      const b = await placed();
      const watchB = await Watch.open(stack.api, b.orderId);
      await watchB.waitForCount(1);
      await setStatus(b.orderId, "preparing");
      await watchB.waitForCount(2);
      await setStatus(b.orderId, "cancelled");
      assert.equal((await watchB.ending()).code, Code.OK);
      assert.deepEqual(watchB.statuses(), [
        S.ORDER_STATUS_PENDING,
        S.ORDER_STATUS_PREPARING,
        S.ORDER_STATUS_CANCELLED,
      ]);
    });

    await t.step("an unknown order is NOT_FOUND", async () => {
      for (const orderId of [crypto.randomUUID(), "not-a-uuid", ""]) {
        const watch = await Watch.open(stack.api, orderId);
        const end = await watch.ending();
        assert.equal(end.code, Code.NOT_FOUND, `${JSON.stringify(orderId)}: ${end.details}`);
        assert.deepEqual(watch.updates, []);
      }
    });

    await t.step("clients that cancel their call or vanish do not break intake", async () => {
      const order = await placed();
      // Many watchers hang up after the first update…
      const quitters = await Promise.all(
        Array.from({ length: 20 }, () => Watch.open(stack.api, order.orderId)),
      );
      await Promise.all(quitters.map((w) => w.waitForCount(1)));
      for (const w of quitters) w.call.cancel();
      for (const w of quitters) assert.equal((await w.ending()).code, Code.CANCELLED);
      // …and whole clients connect, watch and disconnect, again and again.
      for (let i = 0; i < 10; i++) {
        const client = stack.newApi();
        const w = await Watch.open(client, order.orderId);
        await w.waitForCount(1);
        client.close();
        w.call.cancel();
        await w.ending();
      }
      // …and callers that hang up within milliseconds, while intake is still setting the watch
      // up (a watch used to miss a cancellation then and live on, following the stream, forever).
      // (A cancel() in the same tick as the call is left out: the request still reaches intake,
      // and intake never hears of the cancellation until the connection closes.)
      await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const w = await Watch.open(stack.api, order.orderId);
        await new Promise((r) => setTimeout(r, i % 7));
        w.call.cancel();
        await w.ending();
      }));
      // Nobody watches now: intake stops following the event stream (no watcher was left behind).
      await waitFor(
        "intake to stop reading the event stream",
        async () => {
          const watch = await watchConnection();
          return watch !== undefined && !watch.flags.includes("b") && watch.idle >= 2;
        },
        8_000,
        200,
      );

      // One watcher stays; it still gets every change of the same order.
      const stayer = await Watch.open(stack.api, order.orderId);
      await stayer.waitForCount(1);
      for (const [i, [status]] of PATH.entries()) {
        await setStatus(order.orderId, status);
        await stayer.waitForCount(i + 2); // applied: the hub checks the next change against it
      }
      assert.equal((await stayer.ending()).code, Code.OK);
      assert.deepEqual(stayer.statuses().at(-1), S.ORDER_STATUS_COMPLETED);
      assert.equal(stayer.statuses().length, 5, "every change");

      // Intake is alive and serving everything.
      assert(stack.service("intake").running);
      const health = new HealthClient(stack.api.address);
      try {
        assert.equal(await health.serving("ovenline.v1.OrderService"), true);
      } finally {
        health.close();
      }
      const next = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
      await waitForOrder(stack, next.orderId);
      assert.equal(
        (await stack.api.getOrder({ orderId: next.orderId })).status,
        S.ORDER_STATUS_PENDING,
      );
      const fresh = await Watch.open(stack.api, next.orderId);
      await fresh.waitForCount(1);
      await setStatus(next.orderId, "preparing");
      await fresh.waitForCount(2);
      assert.deepEqual(fresh.statuses(), [S.ORDER_STATUS_PENDING, S.ORDER_STATUS_PREPARING]);
      fresh.call.cancel();
      await fresh.ending();
    });
  } finally {
    await stack.close();
  }
});
