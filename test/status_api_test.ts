/**
 * The hub's REST API on the real stack (issue 3): status changes checked
 * against the order's status, produced to Kafka and applied by the consumer
 * to PostgreSQL (status, version, history) and Redis; cancel giving capacity
 * back; terminal orders staying off the KDS across restarts and a Redis loss;
 * kitchen settings, prices and the stop-list applied live by intake.
 */
import assert from "node:assert/strict";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import type { Order } from "../src/domain/order.ts";
import type { OrderStatus } from "../src/domain/status.ts";
import { Code, expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import {
  firstSlotStartAtOrAfter,
  historyRows,
  localDate,
  orderRow,
  SLOT_MS,
  waitForOrder,
  waitForOrders,
} from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

interface Answer {
  readonly status: number;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

/** The record's columns a status change touches. */
interface RecordState {
  readonly status: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly history: number;
}

/** Settings changes must reach intake through NOTIFY: the periodic reload is made too slow to help. */
const LIVE_WITHIN_MS = 1_000;

Deno.test("hub REST: status changes, cancel, restarts, live settings", async (t) => {
  const main = testKitchen();
  const other = testKitchen();
  const capped = testKitchen();
  const stack = await TestStack.start("status_api", {
    kitchens: [main, other, capped],
    services: ["consumer", "intake", "hub"],
    env: { CONFIG_REFRESH_MS: "600000" },
  });
  const api = `${stack.hubUrl}/api/v1/erp`;

  async function call(
    method: string,
    path: string,
    body?: unknown,
    opts: { raw?: string; contentType?: string; role?: "viewer" | "kitchen" | "manager" } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
    const res = await stack.hubFetch(
      `${api}${path}`,
      { method, headers, body: payload },
      opts.role,
    );
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  // Cooks move orders along; cancelling takes a manager.
  const putStatus = (id: string, status: unknown, reason?: string) =>
    call("PUT", `/orders/${id}/status`, reason === undefined ? { status } : { status, reason }, {
      role: status === "cancelled" ? "manager" : "kitchen",
    });

  async function recordState(id: string): Promise<RecordState> {
    const { rows } = await stack.pool.query(
      `SELECT status, version, updated_at,
         (SELECT count(*) FROM order_status_history h WHERE h.order_id = o.id)::int AS history
       FROM orders o WHERE id = $1`,
      [id],
    );
    assert.equal(rows.length, 1, `order ${id} is recorded once`);
    return {
      status: rows[0].status,
      version: Number(rows[0].version),
      updatedAt: rows[0].updated_at.toISOString(),
      history: rows[0].history,
    };
  }

  async function snapshot(id: string): Promise<Order | undefined> {
    const json = await stack.redis.get(`erp:order:${id}`);
    return json ? JSON.parse(json) : undefined;
  }

  /** Waits until the consumer has applied `status` at `version` to PostgreSQL and Redis. */
  async function applied(id: string, status: OrderStatus, version: number): Promise<void> {
    await waitFor(`${id} ${status} v${version} in PostgreSQL`, async () => {
      const r = await recordState(id);
      return r.status === status && r.version === version;
    });
    await waitFor(`${id} ${status} v${version} in Redis`, async () => {
      const o = await snapshot(id);
      return o?.status === status && o.version === version;
    });
  }

  /** Moves an order along the legal path through the API and waits for each step. */
  async function advance(id: string, path: OrderStatus[]): Promise<void> {
    for (const to of path) {
      const before = await recordState(id);
      const res = await putStatus(id, to);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await applied(id, to, before.version + 1);
    }
  }

  const place = async (
    kitchenId = main.id,
    extra: Parameters<typeof seedExampleRequest>[0] = {},
  ) => {
    const res = await stack.api.createOrder(seedExampleRequest({ kitchenId, ...extra }));
    return res.orderId;
  };

  const activeIds = async () => await stack.redis.zrange("erp:orders:active", 0, -1);

  async function kdsSnapshotIds(kitchenId: string): Promise<string[]> {
    const socket = await TestSocket.open(
      `ws://127.0.0.1:${stack.ports.hub}/ws/kds?kitchen=${kitchenId}`,
      stack.tokens.viewer,
    );
    try {
      const s = await socket.waitFor("a KDS snapshot", (r) => r.message.type === "snapshot");
      return ((s.message.orders ?? []) as Order[]).map((o) => o.id);
    } finally {
      await socket.close();
    }
  }

  try {
    // Orders for every scenario, placed up front.
    const ids = {
      walk: await place(), // pending → … → completed
      cancelPending: await place(),
      cancelPreparing: await place(),
      illegal: await place(), // stays pending
      cooking: await place(),
      ready: await place(),
      cancelViaPost: await place(other.id),
    };
    await waitForOrders(stack, Object.values(ids));

    await t.step(
      "each legal transition answers 202 and lands in PostgreSQL with a history row",
      async () => {
        const steps: [keyof typeof ids, OrderStatus[]][] = [
          ["walk", ["preparing", "cooking", "ready", "completed"]],
          ["cancelPending", ["cancelled"]],
          ["cancelPreparing", ["preparing", "cancelled"]],
        ];
        for (const [name, path] of steps) {
          const id = ids[name];
          let from: OrderStatus = "pending";
          for (const to of path) {
            const before = await recordState(id);
            const res = await putStatus(id, to, `test: ${from} to ${to}`);
            assert.equal(res.status, 202, `${from} → ${to}: ${JSON.stringify(res.body)}`);
            assert.equal(res.body.order.id, id);
            assert.equal(res.body.order.status, to);
            assert.equal(res.body.order.version, before.version + 1);
            await applied(id, to, before.version + 1);
            const after = await recordState(id);
            assert.equal(after.history, before.history + 1, "one history row per change");
            const last = (await historyRows(stack, id)).at(-1)!;
            assert.deepEqual(
              { from: last.from_status, to: last.to_status, actor: last.actor },
              {
                from,
                to,
                actor: to === "cancelled" ? "manager:test-manager" : "kitchen:test-tablet",
              },
            );
            const { rows } = await stack.pool.query(
              "SELECT reason FROM order_status_history WHERE order_id = $1 AND to_status = $2",
              [id, to],
            );
            assert.equal(rows[0].reason, `test: ${from} to ${to}`);
            from = to;
          }
        }
        const walk = await historyRows(stack, ids.walk);
        assert.deepEqual(
          walk.map((h) => `${h.from_status ?? ""}>${h.to_status}`),
          [
            ">pending",
            "pending>preparing",
            "preparing>cooking",
            "cooking>ready",
            "ready>completed",
          ],
        );
        assert.equal((await recordState(ids.walk)).version, 5);
        // Terminal orders leave the KDS set at once.
        const active = await activeIds();
        for (const id of [ids.walk, ids.cancelPending, ids.cancelPreparing]) {
          assert(!active.includes(id), `${id} is off erp:orders:active`);
        }
        assert(active.includes(ids.illegal), "a pending order is active");
      },
    );

    await t.step("each illegal transition gets 409 with from/to and changes nothing", async () => {
      await advance(ids.cooking, ["preparing", "cooking"]);
      await advance(ids.ready, ["preparing", "cooking", "ready"]);
      const cases: [string, OrderStatus, string][] = [
        [ids.illegal, "pending", "pending"], // same status
        [ids.illegal, "cooking", "pending"],
        [ids.illegal, "ready", "pending"],
        [ids.illegal, "completed", "pending"],
        [ids.cooking, "cancelled", "cooking"],
        [ids.cooking, "preparing", "cooking"],
        [ids.cooking, "cooking", "cooking"],
        [ids.ready, "preparing", "ready"],
        [ids.ready, "cancelled", "ready"],
        [ids.walk, "pending", "completed"],
        [ids.walk, "cancelled", "completed"],
        [ids.walk, "completed", "completed"],
        [ids.cancelPending, "pending", "cancelled"],
        [ids.cancelPreparing, "preparing", "cancelled"],
      ];
      const touched = [...new Set(cases.map(([id]) => id))];
      const before = await Promise.all(
        touched.map(async (id) => [await recordState(id), await snapshot(id)]),
      );
      const records = await stack.kafkaRecordCount();
      for (const [id, to, from] of cases) {
        const res = await putStatus(id, to);
        assert.equal(res.status, 409, `${from} → ${to}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, "conflict");
        assert.equal(res.body.error.from, from);
        assert.equal(res.body.error.to, to);
        assert.match(res.body.error.message, new RegExp(`${from}.*${to}`));
      }
      // Cancel by POST is a status change too.
      const post = await call("POST", `/orders/${ids.cooking}/cancel`, { reason: "too late" });
      assert.equal(post.status, 409);
      assert.equal(post.body.error.from, "cooking");
      await new Promise((r) => setTimeout(r, 500)); // anything that was produced would land meanwhile
      assert.equal(await stack.kafkaRecordCount(), records, "no record produced to Kafka");
      const after = await Promise.all(
        touched.map(async (id) => [await recordState(id), await snapshot(id)]),
      );
      assert.deepEqual(after, before, "PostgreSQL and Redis unchanged");
    });

    await t.step("an unknown order id gets 404", async () => {
      const unknown = crypto.randomUUID();
      const records = await stack.kafkaRecordCount();
      for (
        const res of [
          await putStatus(unknown, "preparing"),
          await call("POST", `/orders/${unknown}/cancel`, {}),
          await call("GET", `/orders/${unknown}`),
        ]
      ) {
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(res.body.error.code, "not_found");
        assert.match(res.body.error.message, new RegExp(unknown));
      }
      assert.equal(await stack.kafkaRecordCount(), records);
    });

    await t.step("malformed requests get 400 with a reason and change nothing", async () => {
      const id = ids.illegal;
      const before = await recordState(id);
      const records = await stack.kafkaRecordCount();
      const cases: [string, Promise<Answer>, string | undefined][] = [
        [
          "not JSON",
          call("PUT", `/orders/${id}/status`, undefined, { raw: '{"status": prep' }),
          undefined,
        ],
        ["a JSON array", call("PUT", `/orders/${id}/status`, ["preparing"]), undefined],
        ["a JSON string", call("PUT", `/orders/${id}/status`, "preparing"), undefined],
        ["no body", call("PUT", `/orders/${id}/status`), undefined],
        ["missing status", call("PUT", `/orders/${id}/status`, { reason: "x" }), "status"],
        ["unknown status", putStatus(id, "baking"), "status"],
        ["status as a number", putStatus(id, 2), "status"],
        ["status null", putStatus(id, null), "status"],
        ["reason not a string", putStatus(id, "preparing", 42 as unknown as string), "reason"],
        ["reason too long", putStatus(id, "preparing", "x".repeat(201)), "reason"],
        ["non-UUID id", putStatus("12345", "preparing"), "id"],
        [
          "wrong content type",
          call("PUT", `/orders/${id}/status`, undefined, {
            raw: '{"status":"preparing"}',
            contentType: "text/plain",
          }),
          undefined,
        ],
        [
          "form-encoded",
          call("PUT", `/orders/${id}/status`, undefined, {
            raw: "status=preparing",
            contentType: "application/x-www-form-urlencoded",
          }),
          undefined,
        ],
        ["cancel with a non-UUID id", call("POST", "/orders/not-an-id/cancel", {}), "id"],
        ["cancel with an array", call("POST", `/orders/${id}/cancel`, [1]), undefined],
      ];
      for (const [what, pending, field] of cases) {
        const res = await pending;
        assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, "invalid", what);
        assert(res.body.error.message.length > 5, `${what}: a reason is given`);
        if (field) {
          assert(
            res.body.error.fields?.some((f: { field: string; reason: string }) =>
              f.field === field && f.reason.length > 0
            ),
            `${what}: names the field ${field}: ${JSON.stringify(res.body)}`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await stack.kafkaRecordCount(), records, "no record produced to Kafka");
      assert.deepEqual(await recordState(id), before, "PostgreSQL unchanged");
    });

    await t.step(
      "POST /orders/{id}/cancel from pending gives the slot's capacity back",
      async () => {
        const id = ids.cancelViaPost;
        const order = (await snapshot(id))!;
        const slotKey = order.targetSlotId;
        const loadBefore = Number(await stack.redis.get(slotKey));
        assert.equal(await stack.redis.hget(`${slotKey}:orders`, id), String(order.slotWeight));
        assert(order.slotWeight > 0 && loadBefore >= order.slotWeight);

        const res = await call("POST", `/orders/${id}/cancel`, { reason: "customer called" });
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.order.status, "cancelled");
        await applied(id, "cancelled", 2);
        assert.equal(Number(await stack.redis.get(slotKey)), loadBefore - order.slotWeight);
        assert.equal(await stack.redis.hget(`${slotKey}:orders`, id), null, "the slot forgot it");
        assert.equal(await stack.redis.zscore("erp:orders:active", id), null);
        const last = (await historyRows(stack, id)).at(-1)!;
        assert.deepEqual([last.from_status, last.to_status, last.actor], [
          "pending",
          "cancelled",
          "manager:test-manager",
        ]);
        // And a body-less cancel works too.
        const bare = await place(other.id);
        await waitForOrder(stack, bare);
        const res2 = await stack.hubFetch(`${api}/orders/${bare}/cancel`, { method: "POST" });
        assert.equal(res2.status, 202, await res2.text());
        await applied(bare, "cancelled", 2);
      },
    );

    const terminal = [ids.walk, ids.cancelPending, ids.cancelPreparing, ids.cancelViaPost];
    const live = [ids.illegal, ids.cooking, ids.ready];
    const terminalStayOff = async (when: string): Promise<void> => {
      const active = await activeIds();
      const shown = await kdsSnapshotIds(main.id);
      const rest = await call("GET", `/orders/active?kitchen=${main.id}`);
      for (const id of terminal) {
        assert(!active.includes(id), `${when}: ${id} is off erp:orders:active`);
        assert(!shown.includes(id), `${when}: ${id} is off the KDS snapshot`);
        assert(!rest.body.orders.some((o: Order) => o.id === id), `${when}: ${id} off GET /active`);
      }
      for (const id of live) {
        assert(active.includes(id), `${when}: live ${id} is active`);
        assert(shown.includes(id), `${when}: live ${id} is on the KDS snapshot`);
      }
      // The record still says what happened.
      assert.equal((await recordState(ids.walk)).status, "completed");
      assert.equal((await recordState(ids.cancelPreparing)).status, "cancelled");
    };

    await t.step(
      "an order is found the moment its customer hears yes, before or while the consumer applies it",
      async () => {
        await stack.service("consumer").kill();
        try {
          // Each status change is sent the instant its CreateOrder answers, on the hub's own
          // Redis connection: the accepted order must already be there to find.
          const changed = await Promise.all(Array.from({ length: 20 }, async () => {
            const id = await place();
            const res = await putStatus(id, "preparing");
            assert.equal(res.status, 202, `${id}: ${JSON.stringify(res.body)}`);
            assert.equal(res.body.order.status, "preparing");
            return id;
          }));
          await stack.startService("consumer");
          for (const id of changed) await applied(id, "preparing", 2);
          // And while the consumer applies them: a lookup must not fall between its two keys.
          const racing = await Promise.all(Array.from({ length: 40 }, async () => {
            const id = await place();
            const res = await putStatus(id, "preparing");
            assert.equal(res.status, 202, `${id}: ${JSON.stringify(res.body)}`);
            return id;
          }));
          for (const id of racing) await applied(id, "preparing", 2);
        } finally {
          if (!(await stack.service("consumer").alive())) await stack.startService("consumer");
        }
      },
    );

    await t.step(
      "after a consumer restart completed and cancelled orders stay off the KDS",
      async () => {
        await terminalStayOff("before the restart");
        await stack.service("consumer").kill();
        await stack.startService("consumer");
        // Something new goes through, so the restarted consumer has certainly run.
        await waitForOrder(stack, await place(), 30_000);
        await terminalStayOff("after the restart");
      },
    );

    await t.step(
      "after Redis loses everything and the consumer restores from PostgreSQL, too",
      async () => {
        await stack.service("consumer").kill();
        await stack.redis.flushdb();
        await stack.startService("consumer");
        await waitFor(
          "the live state restored",
          async () => (await stack.redis.exists("ovenline:state:ready")) === 1,
          30_000,
        );
        await terminalStayOff("after the restore");
        // A restored terminal order still refuses changes.
        const res = await putStatus(ids.walk, "pending");
        assert.equal(res.status, 409);
        const cancelled = await putStatus(ids.cancelViaPost, "preparing");
        assert.equal(cancelled.status, 409);
        assert.equal(cancelled.body.error.from, "cancelled");
      },
    );

    await t.step("PUT /kitchens/{id} capacity is applied by intake within a second", async () => {
      const current = await call("GET", `/kitchens/${capped.id}`);
      assert.equal(current.status, 200);
      const { id: _id, ...config } = current.body as KitchenConfig;
      const saved = await call("PUT", `/kitchens/${capped.id}`, {
        ...config,
        capacityUnit: "orders",
        capacity: 1,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.capacity, 1);
      assert.equal(saved.body.capacityUnit, "orders");
      const savedAt = Date.now();
      assert.equal(
        (await call("GET", `/kitchens/${capped.id}`)).body.capacity,
        1,
        "the hub serves it",
      );

      await new Promise((r) => setTimeout(r, savedAt + LIVE_WITHIN_MS - Date.now()));
      const placedFrom = Date.now();
      const a = await stack.api.createOrder(seedExampleRequest({ kitchenId: capped.id }));
      const b = await stack.api.createOrder(seedExampleRequest({ kitchenId: capped.id }));
      const first = Date.parse(a.slotStartTime);
      assert(
        first <= firstSlotStartAtOrAfter(placedFrom) + SLOT_MS,
        "the first order books the current slot",
      );
      assert.equal(
        Date.parse(b.slotStartTime),
        first + SLOT_MS,
        "the second spills: one order per slot",
      );
      await waitForOrders(stack, [a.orderId, b.orderId]);
      const firstSlot = `slot:${capped.id}:${first / 1000}`;
      assert.equal(await stack.redis.get(firstSlot), "1", "load counted in orders, not kopecks");

      // GET /slots shows the new capacity and the loads, each slot in the view of its business day
      // (a 24-hour kitchen's: the local date of its start; after 23:45 the next slot is tomorrow's).
      const dayView = async (slotStart: number) => {
        const day = localDate(slotStart, capped.timeZone);
        const slots = await call("GET", `/slots?kitchen=${capped.id}&date=${day}`);
        assert.equal(slots.status, 200);
        assert.equal(slots.body.kitchenId, capped.id);
        assert.equal(slots.body.unit, "orders");
        assert.equal(slots.body.capacity, 1);
        assert.equal(slots.body.timeZone, capped.timeZone);
        assert.equal(slots.body.date, day);
        const byId = new Map(
          (slots.body.slots as {
            id: string;
            start: string;
            end: string;
            load: number;
            capacity: number;
          }[])
            .map((s) => [s.id, s]),
        );
        assert(byId.size >= 20, "a 24-hour kitchen has the day's slots");
        return byId;
      };
      assert.equal(
        (await orderRow(stack, a.orderId)).business_date_text,
        localDate(first, capped.timeZone),
      );
      const s1 = (await dayView(first)).get(firstSlot)!;
      assert.deepEqual(
        {
          load: s1.load,
          capacity: s1.capacity,
          start: Date.parse(s1.start),
          end: Date.parse(s1.end),
        },
        { load: 1, capacity: 1, start: first, end: first + SLOT_MS },
      );
      const second = first + SLOT_MS;
      const third = first + 2 * SLOT_MS;
      assert.equal((await dayView(second)).get(`slot:${capped.id}:${second / 1000}`)?.load, 1);
      assert.equal((await dayView(third)).get(`slot:${capped.id}:${third / 1000}`)?.load, 0);
    });

    await t.step(
      "an invalid kitchen configuration gets 400 with `fields` and is not saved",
      async () => {
        const before = (await call("GET", `/kitchens/${capped.id}`)).body;
        const { id: _id, ...config } = before as KitchenConfig;
        const res = await call("PUT", `/kitchens/${capped.id}`, {
          ...config,
          capacity: 0,
          slotMinutes: 3,
          timeZone: "Mars/Olympus_Mons",
          capacityUnit: "pizzas",
          hours: { mon: [{ open: "25:00", close: "23:00" }] },
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, "invalid");
        const fields = (res.body.error.fields as { field: string }[]).map((f) => f.field);
        for (
          const f of ["capacity", "slotMinutes", "timeZone", "capacityUnit", "hours.mon[0].open"]
        ) {
          assert(fields.includes(f), `names ${f}: ${fields.join(", ")}`);
        }
        const notJson = await call("PUT", `/kitchens/${capped.id}`, undefined, {
          raw: "capacity=5",
        });
        assert.equal(notJson.status, 400);
        const unknown = await call("PUT", "/kitchens/no-such-kitchen", config);
        assert.equal(unknown.status, 404);
        assert.deepEqual((await call("GET", `/kitchens/${capped.id}`)).body, before, "unchanged");
      },
    );

    await t.step(
      "PUT /menu/pizzas/{code} {available:false} stops intake selling it within a second",
      async () => {
        const margherita = { pizzaName: "Маргарита", quantity: 1, extras: [] };
        const res = await call("PUT", "/menu/pizzas/margherita", { available: false });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.available, false);
        const savedAt = Date.now();
        const records = await stack.kafkaRecordCount();
        await new Promise((r) => setTimeout(r, savedAt + LIVE_WITHIN_MS - Date.now()));
        const error = await expectGrpcError(
          stack.api.createOrder(
            seedExampleRequest({
              kitchenId: main.id,
              pizzaName: "",
              quantity: 0,
              items: [margherita],
            }),
          ),
        );
        assert.equal(error.code, Code.FAILED_PRECONDITION);
        assert.deepEqual(error.preconditionSubjects, ["Маргарита"]);
        assert.match(error.message, /Маргарита/);
        assert.equal(
          await stack.kafkaRecordCount(),
          records,
          "nothing produced for the refused order",
        );
        // Other pizzas still sell; and back on the menu, it sells again.
        await place(main.id);
        const back = await call("PUT", "/menu/pizzas/margherita", { available: true });
        assert.equal(back.body.available, true);
        await new Promise((r) => setTimeout(r, LIVE_WITHIN_MS));
        const ok = await stack.api.createOrder(
          seedExampleRequest({
            kitchenId: main.id,
            pizzaName: "",
            quantity: 0,
            items: [margherita],
          }),
        );
        assert.equal(ok.totalPriceKopecks, "64900");
      },
    );

    await t.step("a price change prices new orders within a second", async () => {
      const menu = await call("GET", "/menu");
      const pepperoni = menu.body.pizzas.find((p: { code: string }) => p.code === "pepperoni");
      assert.equal(pepperoni.priceKopecks, 79900);
      const res = await call("PUT", "/menu/pizzas/pepperoni", { priceKopecks: 123_400 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.priceKopecks, 123_400);
      const savedAt = Date.now();
      const bad = await call("PUT", "/menu/pizzas/pepperoni", { priceKopecks: -5 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.fields[0].field, "priceKopecks");
      assert.equal(
        (await call("PUT", "/menu/pizzas/no-such-pizza", { priceKopecks: 100 })).status,
        404,
      );
      await new Promise((r) => setTimeout(r, savedAt + LIVE_WITHIN_MS - Date.now()));
      const order = await stack.api.createOrder(seedExampleRequest({
        kitchenId: main.id,
        pizzaName: "Пепперони",
        quantity: 2,
      }));
      assert.equal(order.totalPriceKopecks, "246800");
      const row = await waitForOrder(stack, order.orderId);
      assert.equal(Number(row.total_price_kopecks), 246_800);
      assert.equal(row.items[0].unitPriceKopecks, 123_400);
    });
  } finally {
    await stack.close();
  }
});
