/**
 * The hub reads only the kitchen it is asked about. Kitchen B holds many live orders, kitchen A a
 * few: every list and snapshot of A (REST active and scheduled, the KDS and dashboard WebSockets,
 * each role) answers A's orders only, and the commands Redis executed meanwhile (MONITOR) name no
 * key of B's and never the whole live sets. The kitchens' shares of those sets follow every
 * change (status, cancellation, completion, promotion), a restore from PostgreSQL rebuilds them,
 * and Redis state from before they existed gets them built by the consumer.
 */
import assert from "node:assert/strict";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForOrders } from "./support/observe.ts";
import { RedisCommandLog } from "./support/redis_monitor.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

const HOUR = 3_600_000;
const WHOLE_SETS = ["erp:orders:active", "erp:orders:pending_slots"];

type Shares = Record<string, [string, number][]>;

const sorted = (shares: Shares): Shares =>
  Object.fromEntries(
    Object.entries(shares).sort(([a], [b]) => a.localeCompare(b)).map((
      [k, v],
    ) => [k, v.sort((x, y) => x[0].localeCompare(y[0]))]),
  );

/** What the kitchens' shares must hold: the whole sets, split by the kitchen of each order. */
async function wholeSetsByKitchen(stack: TestStack): Promise<Shares> {
  const shares: Shares = {};
  for (const whole of WHOLE_SETS) {
    const flat = await stack.redis.zrange(whole, 0, -1, "WITHSCORES");
    for (let i = 0; i < flat.length; i += 2) {
      const kitchen = JSON.parse((await stack.redis.get(`erp:order:${flat[i]}`))!).kitchenId;
      (shares[`${whole}:${kitchen}`] ??= []).push([flat[i], Number(flat[i + 1])]);
    }
  }
  return sorted(shares);
}

/** What the kitchens' shares hold. */
async function kitchenShares(stack: TestStack): Promise<Shares> {
  const shares: Shares = {};
  for (const whole of WHOLE_SETS) {
    for (const key of await stack.redisKeys(`${whole}:*`)) {
      const flat = await stack.redis.zrange(key, 0, -1, "WITHSCORES");
      shares[key] = [];
      for (let i = 0; i < flat.length; i += 2) shares[key].push([flat[i], Number(flat[i + 1])]);
    }
  }
  return sorted(shares);
}

const ids = (orders: unknown) => (orders as { id: string }[]).map((o) => o.id).sort();

/** Every list and snapshot of `kitchen` the hub serves, as the ids each answered. */
async function readsOf(
  stack: TestStack,
  kitchen: KitchenConfig,
): Promise<Record<string, string[]>> {
  const answers: Record<string, string[]> = {};
  const rest = async (path: string, role: "viewer" | "kitchen" | "manager") => {
    const res = await stack.hubFetch(
      `${stack.hubUrl}/api/v1/erp/orders/${path}?kitchen=${kitchen.id}`,
      {},
      role,
    );
    assert.equal(res.status, 200, await res.clone().text());
    answers[`REST ${path} (${role})`] = ids((await res.json()).orders);
  };
  await rest("active", "kitchen");
  await rest("active", "viewer");
  await rest("scheduled", "manager");
  for (
    const [channel, role, query] of [
      ["kds", "kitchen", ""],
      ["kds", "viewer", "&station=pizza"],
      ["erp", "manager", ""],
      ["erp", "viewer", ""],
    ] as const
  ) {
    const socket = await TestSocket.open(
      `ws://127.0.0.1:${stack.ports.hub}/ws/${channel}?kitchen=${kitchen.id}${query}`,
      stack.tokens[role],
    );
    const snapshot = (await socket.waitFor("snapshot", (r) => r.message.type === "snapshot"))
      .message as unknown as Record<string, unknown>;
    await socket.close();
    answers[`${channel} snapshot (${role}${query})`] = ids(snapshot.orders);
    if (channel === "erp") answers[`erp snapshot scheduled (${role})`] = ids(snapshot.scheduled);
  }
  return answers;
}

/**
 * Waits until the hub has fanned out every stream entry so far, so no read of its fan-out (the
 * snapshots of other kitchens' orders named by their events) falls into a recorded window: a
 * true `slots.updated` of one of the kitchen's slots goes on the stream last, and the hub
 * delivers entries in order.
 */
async function hubCaughtUp(stack: TestStack, kitchen: KitchenConfig): Promise<void> {
  const socket = await TestSocket.open(
    `ws://127.0.0.1:${stack.ports.hub}/ws/erp?kitchen=${kitchen.id}`,
    stack.tokens.manager,
  );
  try {
    await socket.waitFor("snapshot", (r) => r.message.type === "snapshot");
    const [id] = await stack.redis.zrange(`erp:orders:active:${kitchen.id}`, 0, 0);
    const slot = JSON.parse((await stack.redis.get(`erp:order:${id}`))!).targetSlotId;
    const load = Number(await stack.redis.get(slot) ?? 0);
    const probe = await stack.redis.xadd(
      "ovenline:events",
      "*",
      "type",
      "slots.updated",
      "kitchen",
      kitchen.id,
      "at",
      new Date().toISOString(),
      "slot",
      JSON.stringify({ id: slot, load }),
    );
    await socket.waitFor("the probe delivered", (r) => r.message.eventId === probe);
  } finally {
    await socket.close();
  }
}

/** What `readsOf` must answer: the kitchen's orders in the whole sets. */
async function expectedReads(stack: TestStack, kitchen: KitchenConfig) {
  const split = await wholeSetsByKitchen(stack);
  const active = (split[`erp:orders:active:${kitchen.id}`] ?? []).map(([id]) => id).sort();
  const scheduled = (split[`erp:orders:pending_slots:${kitchen.id}`] ?? []).map(([id]) => id)
    .sort();
  return {
    "REST active (kitchen)": active,
    "REST active (viewer)": active,
    "REST scheduled (manager)": scheduled,
    "kds snapshot (kitchen)": active,
    "kds snapshot (viewer&station=pizza)": active,
    "erp snapshot (manager)": active,
    "erp snapshot scheduled (manager)": scheduled,
    "erp snapshot (viewer)": active,
    "erp snapshot scheduled (viewer)": scheduled,
  };
}

Deno.test("kitchen-scoped reads: the hub reads only the asked kitchen's live orders", async (t) => {
  const a = testKitchen();
  const b = testKitchen();
  const stack = await TestStack.start("kitchen-scope", {
    kitchens: [a, b],
    services: ["consumer", "intake", "hub"],
  });
  const monitor = await RedisCommandLog.start(stack.redisLease.url, stack.redisLease.db);
  try {
    const place = async (kitchenId: string, n: number, requestedTime?: Date) => {
      const placed: string[] = [];
      for (let i = 0; i < n; i += 10) {
        const batch = await Promise.all(
          Array.from(
            { length: Math.min(10, n - i) },
            () => stack.api.createOrder(seedExampleRequest({ kitchenId, requestedTime })),
          ),
        );
        placed.push(...batch.map((o) => o.orderId));
      }
      return placed;
    };
    const later = new Date(Date.now() + 3 * HOUR);
    const aNow = await place(a.id, 4);
    const aLater = await place(a.id, 3, later);
    const bOrders = [...await place(b.id, 60), ...await place(b.id, 20, later)];
    await waitForOrders(stack, [...aNow, ...aLater, ...bOrders]);
    await waitFor(
      "every order projected",
      async () =>
        (await stack.redis.zcard("erp:orders:active")) === 64 &&
        (await stack.redis.zcard("erp:orders:pending_slots")) === 23,
    );

    /** Reads kitchen A everywhere: A's orders only, and Redis ran no command naming B's keys. */
    const readOnlyA = async () => {
      await hubCaughtUp(stack, a);
      const { result, commands } = await monitor.during(() => readsOf(stack, a));
      assert.deepEqual(result, await expectedReads(stack, a));
      const args = commands.flatMap((c) => c.slice(1));
      const ofB = args.filter((arg) =>
        arg.includes(b.id) || bOrders.some((id) => arg.includes(id))
      );
      assert.deepEqual(ofB, [], "no command named a key of kitchen B");
      const whole = commands.filter((c) => c.slice(1).some((arg) => WHOLE_SETS.includes(arg)));
      assert.deepEqual(whole, [], "no command read a whole live set");
      // The reads did happen, and on A's keys: its shares and the snapshots of its orders.
      assert(args.includes(`erp:orders:active:${a.id}`), "A's active share was read");
      assert(args.includes(`erp:orders:pending_slots:${a.id}`), "A's scheduled share was read");
      for (
        const id of [...result["REST active (kitchen)"], ...result["REST scheduled (manager)"]]
      ) {
        assert(args.includes(`erp:order:${id}`), `the snapshot of ${id} was read`);
      }
      return { result, commands };
    };

    await t.step(
      "REST lists and KDS and dashboard snapshots of A, for each role, read A's keys only",
      async () => {
        assert.deepEqual(await kitchenShares(stack), await wholeSetsByKitchen(stack));
        const { result, commands } = await readOnlyA();
        assert.equal(result["REST active (kitchen)"].length, 4);
        assert.equal(result["REST scheduled (manager)"].length, 3);
        const ofB = await readsOf(stack, b);
        assert.deepEqual(ofB, await expectedReads(stack, b), "kitchen B is read the same way");
        assert.equal(ofB["REST active (kitchen)"].length, 60);
        console.log(`reading A everywhere: ${commands.length} Redis commands`);
      },
    );

    await t.step(
      "status changes, completion and cancellation keep each share equal to its part of the whole",
      async () => {
        const statusOf = async (id: string) =>
          JSON.parse((await stack.redis.get(`erp:order:${id}`))!).status;
        const send = async (
          id: string,
          path: string,
          method: string,
          body: unknown,
          role: "kitchen" | "manager",
        ) => {
          const res = await stack.hubFetch(`${stack.hubUrl}/api/v1/erp/orders/${id}/${path}`, {
            method,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          }, role);
          assert.equal(res.status, 202, await res.text());
        };
        for (const status of ["preparing", "cooking", "ready", "completed"]) {
          await send(aNow[0], "status", "PUT", { status }, "kitchen");
          await waitFor(`${status} applied`, async () => (await statusOf(aNow[0])) === status);
        }
        for (const id of [aNow[1], aLater[0], bOrders[0], bOrders.at(-1)!]) {
          await send(id, "cancel", "POST", {}, "manager");
          await waitFor(
            "the cancellation applied",
            async () => (await statusOf(id)) === "cancelled",
          );
        }
        const shares = await kitchenShares(stack);
        assert.deepEqual(shares, await wholeSetsByKitchen(stack));
        const inShare = (key: string, id: string) => shares[key]?.some(([m]) => m === id) ?? false;
        assert(!inShare(`erp:orders:active:${a.id}`, aNow[0]), "completed: off A's active share");
        assert(!inShare(`erp:orders:active:${a.id}`, aNow[1]), "cancelled: off A's active share");
        assert(!inShare(`erp:orders:pending_slots:${a.id}`, aLater[0]), "off A's scheduled share");
        assert(inShare(`erp:orders:active:${a.id}`, aNow[2]), "the others stay");
        assert.equal(shares[`erp:orders:active:${b.id}`].length, 59);
        assert.equal(shares[`erp:orders:pending_slots:${b.id}`].length, 19);
        await readOnlyA();
      },
    );

    await t.step("a restore from PostgreSQL rebuilds every kitchen's share", async () => {
      const before = await kitchenShares(stack);
      await stack.service("consumer").kill();
      await stack.redis.flushdb();
      await stack.startService("consumer");
      await waitFor(
        "the ready marker",
        async () => (await stack.redis.exists("ovenline:state:ready")) === 1,
      );
      assert.deepEqual(await kitchenShares(stack), before);
      assert.deepEqual(await wholeSetsByKitchen(stack), before);
      await readOnlyA();
    });

    await t.step(
      "Redis state from before the shares: the hub reads the whole sets until the consumer has built them",
      async () => {
        const before = await kitchenShares(stack);
        await stack.service("consumer").kill();
        await stack.redis.del(...Object.keys(before), "ovenline:state:kitchen_indexes");
        const { result, commands } = await monitor.during(() => readsOf(stack, a));
        assert.deepEqual(result, await expectedReads(stack, a), "the same answers meanwhile");
        assert(
          commands.some((c) => c.slice(1).includes("erp:orders:active")),
          "read from the whole set meanwhile",
        );
        await stack.startService("consumer");
        assert.equal(await stack.redis.get("ovenline:state:kitchen_indexes"), "1");
        assert.deepEqual(await kitchenShares(stack), before);
        await readOnlyA();
      },
    );

    await t.step(
      "what writers of the earlier release changed in the whole sets alone is put right when the consumer starts",
      async () => {
        await stack.service("consumer").kill();
        const [finished, applied] = [aNow[2], aNow[3]];
        const moved = aLater[2];
        const activeOfA = `erp:orders:active:${a.id}`;
        // An earlier-release consumer took `finished` off the KDS and put `applied` on it, and an
        // earlier-release promoter moved `moved`: in the whole sets only.
        await stack.redis.zrem("erp:orders:active", finished);
        await stack.redis.zrem(activeOfA, applied);
        const visibleAt = await stack.redis.zscore("erp:orders:pending_slots", moved);
        await stack.redis.zrem("erp:orders:pending_slots", moved);
        await stack.redis.zadd("erp:orders:active", visibleAt!, moved);
        // And the completed order left in the share meanwhile is not shown.
        await stack.redis.zadd(activeOfA, 0, aNow[0]);
        const shown = await stack.hubFetch(
          `${stack.hubUrl}/api/v1/erp/orders/active?kitchen=${a.id}`,
        );
        assert(
          !ids((await shown.json()).orders).includes(aNow[0]),
          "a finished order is not shown",
        );
        assert.notDeepEqual(await kitchenShares(stack), await wholeSetsByKitchen(stack));

        await stack.startService("consumer");
        assert.deepEqual(await kitchenShares(stack), await wholeSetsByKitchen(stack));
        assert.equal(await stack.redis.zscore(activeOfA, finished), null);
        assert.notEqual(await stack.redis.zscore(activeOfA, applied), null);
        assert.notEqual(await stack.redis.zscore(activeOfA, moved), null);
        assert.equal(await stack.redis.zscore(`erp:orders:pending_slots:${a.id}`, moved), null);
        await readOnlyA();
      },
    );

    await t.step(
      "the promoter moves a due order from its kitchen's scheduled share to its active one",
      async () => {
        await stack.startService("promoter");
        const due = aLater[1];
        // Due now (the promoter takes due orders from the whole scheduled set).
        await stack.redis.zadd("erp:orders:pending_slots", Date.now(), due);
        await waitFor(
          "promoted",
          async () => (await stack.redis.zscore(`erp:orders:active:${a.id}`, due)) !== null,
        );
        assert.equal(await stack.redis.zscore(`erp:orders:pending_slots:${a.id}`, due), null);
        assert.deepEqual(await kitchenShares(stack), await wholeSetsByKitchen(stack));
      },
    );
  } finally {
    monitor.stop();
    await stack.close();
  }
});
