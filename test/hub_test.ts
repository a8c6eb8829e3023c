/**
 * The hub's WebSockets against real services: every replica gets every
 * event, a resuming client gets exactly what it missed, and a client that
 * stops reading is cut off without holding the others back.
 */
import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { StalledSocket, TestSocket } from "./support/ws_client.ts";

const KDS_TYPES = new Set(["order.visible", "order.status_changed", "order.cancelled"]);
const ERP_TYPES = new Set([...KDS_TYPES, "order.created", "slots.updated"]);

/** Ids of the stream entries of `kitchenId` with a type in `types`, after `afterId`. */
async function streamIds(stack: TestStack, kitchenId: string, types: Set<string>, afterId = "-") {
  const entries = await stack.redis.xrange(
    "ovenline:events",
    afterId === "-" ? "-" : `(${afterId}`,
    "+",
  );
  return entries.filter(([, f]) => {
    const fields = Object.fromEntries(f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])));
    return fields.kitchen === kitchenId && types.has(fields.type);
  }).map(([id]) => id);
}

async function setStatus(stack: TestStack, orderId: string, status: string): Promise<void> {
  const res = await stack.hubFetch(`${stack.hubUrl}/api/v1/erp/orders/${orderId}/status`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status }),
  });
  assert.equal(res.status, 202, await res.text());
}

const kitchen = testKitchen({ stations: ["pizza", "dessert"] });
const hubStack = () =>
  TestStack.start("hub", {
    kitchens: [kitchen],
    services: ["consumer", "intake", "hub"],
    env: { WS_MAX_BUFFERED_BYTES: String(512 * 1024) },
  });

Deno.test("hub", async (t) => {
  const stack = await hubStack();
  const wsUrl = (port: number, channel: string, query = "") =>
    `ws://127.0.0.1:${port}/ws/${channel}?kitchen=${kitchen.id}${query}`;
  try {
    await t.step("clients on two hub replicas each receive every event exactly once", async () => {
      const second = stack.replicaPorts.get("hub#2") ??
        (await stack.startReplica("hub", 2), stack.replicaPorts.get("hub#2")!);
      const a = await TestSocket.open(wsUrl(stack.ports.hub, "erp"), stack.tokens.viewer);
      const b = await TestSocket.open(wsUrl(second, "erp"), stack.tokens.viewer);
      await a.waitFor("snapshot on hub 1", (r) => r.message.type === "snapshot");
      await b.waitFor("snapshot on hub 2", (r) => r.message.type === "snapshot");
      const from = (await stack.redis.xrevrange("ovenline:events", "+", "-", "COUNT", 1))[0]?.[0] ??
        "0-0";
      const placed = await Promise.all(
        Array.from({ length: 12 }, () => stack.api.createOrder(seedExampleRequest())),
      );
      for (const o of placed.slice(0, 4)) await setStatus(stack, o.orderId, "preparing");
      const expected = await waitFor("all events in the stream", async () => {
        const ids = await streamIds(stack, kitchen.id, ERP_TYPES, from);
        return ids.length >= 12 * 3 + 4 ? ids : undefined;
      });
      await waitFor(
        "both replicas caught up",
        () => a.eventIds().length >= expected.length && b.eventIds().length >= expected.length,
      );
      await new Promise((r) => setTimeout(r, 200)); // would-be duplicates have time to show up
      assert.deepEqual(a.eventIds(), expected);
      assert.deepEqual(b.eventIds(), expected);
      await a.close();
      await b.close();
    });

    await t.step(
      "a client resuming with its last event id receives exactly the missed events",
      async () => {
        const first = await TestSocket.open(wsUrl(stack.ports.hub, "kds"), stack.tokens.viewer);
        const one = await stack.api.createOrder(seedExampleRequest());
        await first.waitFor("order visible", (r) => r.message.order?.id === one.orderId);
        const lastSeen = first.lastEventId()!;
        await first.close();

        const missedOrders = await Promise.all(
          Array.from({ length: 5 }, () => stack.api.createOrder(seedExampleRequest())),
        );
        await setStatus(stack, one.orderId, "preparing");
        await setStatus(stack, missedOrders[0].orderId, "cancelled");
        const missed = await waitFor("missed events in the stream", async () => {
          const ids = await streamIds(stack, kitchen.id, KDS_TYPES, lastSeen);
          return ids.length >= 5 + 2 ? ids : undefined;
        });

        const resumed = await TestSocket.open(
          wsUrl(stack.ports.hub, "kds", `&lastEventId=${lastSeen}`),
          stack.tokens.viewer,
        );
        await waitFor("replay", () => resumed.received.length >= missed.length);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(
          resumed.ofType("snapshot").length,
          0,
          "a short gap is replayed, not snapshotted",
        );
        assert.deepEqual(resumed.eventIds(), missed);

        // Live events keep coming after the replay.
        const later = await stack.api.createOrder(seedExampleRequest());
        await resumed.waitFor(
          "a live event after the replay",
          (r) => r.message.order?.id === later.orderId,
        );
        await resumed.close();
      },
    );

    await t.step(
      "a client whose last event id is older than the stream gets a fresh snapshot",
      async () => {
        const s = await TestSocket.open(
          wsUrl(stack.ports.hub, "kds", "&lastEventId=1-0"),
          stack.tokens.viewer,
        );
        const snap = await s.waitFor("snapshot", (r) => r.message.type === "snapshot");
        const active = await stack.redis.zrange("erp:orders:active", 0, -1);
        const shown = (snap.message.orders as { id: string }[]).map((o) => o.id).sort();
        assert.deepEqual(shown, active.sort());
        await s.close();
      },
    );

    await t.step(
      "a client that stops reading is cut off (4008) while the others keep receiving",
      async () => {
        const stalled = await StalledSocket.open(
          "127.0.0.1",
          stack.ports.hub,
          `/ws/erp?kitchen=${kitchen.id}`,
          stack.tokens.viewer,
        );
        const healthy = await TestSocket.open(wsUrl(stack.ports.hub, "erp"), stack.tokens.viewer);
        await healthy.waitFor("snapshot", (r) => r.message.type === "snapshot");
        // Big events straight into the stream the hub follows: ~12 MB in all, far beyond
        // the kernel's socket buffers and the hub's 512 KiB per-client limit.
        const bulky = JSON.stringify({
          id: crypto.randomUUID(),
          note: "x".repeat(50_000),
          items: [],
        });
        const ids: string[] = [];
        for (let i = 0; i < 240; i++) {
          ids.push(
            await stack.redis.xadd(
              "ovenline:events",
              "*",
              "type",
              "order.created",
              "kitchen",
              kitchen.id,
              "at",
              new Date().toISOString(),
              "order",
              bulky,
            ) as string,
          );
        }
        await waitFor(
          "the healthy client gets all 240",
          () => ids.every((id) => healthy.eventIds().includes(id)),
          20_000,
        );
        assert.equal(healthy.closeCode, undefined, "the reading client stays connected");
        assert.equal(await stalled.drainForCloseCode(), 4008);
        stalled.close();
        await healthy.close();
      },
    );

    await t.step(
      "bad query parameters are refused before the upgrade, naming the parameter",
      async () => {
        for (
          const [query, field] of [
            ["?kitchen=nope", "kitchen"],
            [`?kitchen=${kitchen.id}&station=grill`, "station"],
            [`?kitchen=${kitchen.id}&lastEventId=yesterday`, "lastEventId"],
          ]
        ) {
          const res = await stack.hubFetch(`${stack.hubUrl}/ws/kds${query}`, {
            headers: {
              upgrade: "websocket",
              connection: "Upgrade",
              "sec-websocket-version": "13",
              "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
          });
          assert.equal(res.status, 400);
          const body = await res.json();
          assert.equal(body.error.fields[0].field, field);
        }
      },
    );

    await t.step("a KDS station filter only gets orders with an item of that station", async () => {
      const dessert = await TestSocket.open(
        wsUrl(stack.ports.hub, "kds", "&station=dessert"),
        stack.tokens.viewer,
      );
      await dessert.waitFor("snapshot", (r) => r.message.type === "snapshot");
      const pizzaOnly = await stack.api.createOrder(seedExampleRequest());
      const withDessert = await stack.api.createOrder(seedExampleRequest({
        items: [{ pizzaName: "Шоколадная с бананом", quantity: 1, extras: [] }],
      }));
      await dessert.waitFor("dessert order", (r) => r.message.order?.id === withDessert.orderId);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(dessert.received.some((r) => r.message.order?.id === pizzaOnly.orderId), false);
      await dessert.close();
    });
  } finally {
    await stack.close();
  }
});
