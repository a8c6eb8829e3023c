/**
 * The consume loop must never stop while the consumer looks healthy. Three faults with real
 * parts (the local Kafka broker, Kafka's own tools, PostgreSQL), each with orders placed before
 * and during it:
 *
 * - a client of another system holds the group with another partition-assignment protocol
 *   while the consumer starts (kafkajs crashes with INCONSISTENT_GROUP_PROTOCOL and, left to
 *   itself, never tries again);
 * - the broker deletes the group while a slow batch (PostgreSQL holding a lock) keeps the
 *   consumer from heartbeating (the commit then fails and kafkajs, left to itself, crashes);
 * - PostgreSQL refuses writes (a read-only database), so the same batch fails over and over.
 *
 * Each asserts that the consumer's liveness and readiness went red while the loop was stopped
 * or stuck, that every order reaches PostgreSQL and the kitchen display (a KDS WebSocket) once
 * the fault clears, and that health is green again. STALL_AFTER_MS is 3 s here (90 s by default).
 */
import assert from "node:assert/strict";
import pg from "pg";
import { createTestTopics } from "./support/kafka_topics.ts";
import { ConsoleConsumer, deleteGroupOnceEmpty } from "./support/kafka_tools.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { HealthWatch } from "./support/health_watch.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForOrders } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

const STALL_AFTER_MS = 3_000;

interface Scene {
  readonly stack: TestStack;
  readonly kitchenId: string;
  readonly kds: TestSocket;
  readonly health: HealthWatch;
  place(n: number): Promise<string[]>;
}

/** A stack (consumer, intake, hub), a KDS socket on its kitchen and a watch on the consumer. */
async function scene(name: string, run: (scene: Scene) => Promise<void>): Promise<void> {
  const kitchen = testKitchen();
  const stack = await TestStack.start(name, {
    kitchens: [kitchen],
    services: ["consumer", "intake", "hub"],
    env: { STALL_AFTER_MS: String(STALL_AFTER_MS) },
  });
  const kds = await TestSocket.open(
    `ws://127.0.0.1:${stack.ports.hub}/ws/kds?kitchen=${kitchen.id}`,
    stack.tokens.viewer,
  ).catch(async (error) => {
    await stack.close();
    throw error;
  });
  const health = new HealthWatch(stack.healthUrl("consumer"));
  try {
    await run({
      stack,
      kitchenId: kitchen.id,
      kds,
      health,
      place: async (n) => {
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const order = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
          ids.push(order.orderId);
        }
        return ids;
      },
    });
  } finally {
    await health.stop();
    await kds.close();
    await stack.close();
  }
}

/**
 * The fault has been cleared (phase "after"): every order is recorded once, every one reached
 * the KDS, health is green again, and it was red (not live, not ready) during the fault.
 * Returns the figures.
 */
async function assertRecovered(
  s: Scene,
  orders: readonly string[],
  faultAt: number,
  clearedAt: number,
): Promise<{ redAfterMs: number; appliedAfterMs: number; greenAfterMs: number }> {
  await waitForOrders(s.stack, orders, 60_000);
  const { rows } = await s.stack.pool.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM orders WHERE id = ANY($1::uuid[])",
    [orders],
  );
  assert.equal(Number(rows[0].n), orders.length, "every order recorded exactly once");
  await waitFor(
    "every order on the KDS",
    () => orders.every((id) => s.kds.received.some((r) => r.message.order?.id === id)),
    30_000,
  );
  const appliedAt = performance.now();
  const green = await s.health.waitFor("live and ready again", (h) => h.live && h.ready, 30_000);

  const during = s.health.inPhase("fault");
  const notLive = during.find((h) => h.answered && !h.live);
  assert(notLive, "liveness went red while the loop was stopped or stuck");
  assert.match(
    notLive.detail,
    /consume loop: (stopped for|no progress for)/,
    "for the consume loop",
  );
  assert(during.some((h) => h.answered && !h.ready), "readiness went red too");
  assert(
    s.health.inPhase("before").every((h) => h.live && h.ready),
    "health was green before the fault",
  );
  const figures = {
    redAfterMs: Math.round(notLive.at - faultAt),
    appliedAfterMs: Math.round(appliedAt - clearedAt),
    greenAfterMs: Math.round(green.at - clearedAt),
  };
  console.log(`figures: ${JSON.stringify({ ...figures, orders: orders.length, lost: 0 })}`);
  return figures;
}

Deno.test(
  "consume stall: a member with another assignment protocol holds the group while the consumer starts, then leaves",
  () =>
    scene("stall_foreign_member", async (s) => {
      const before = await s.place(2);
      await waitForOrders(s.stack, before);
      // Placed before the fault and still in Kafka when it begins.
      s.health.phase = "consumer stopped";
      await s.stack.service("consumer").stop();
      before.push(...await s.place(2));

      // The old system's consumer subscribes to a topic of its own, so it takes no order away
      // from Ovenline; what matters is that it holds the group with its protocol.
      const side = await createTestTopics(1);
      const foreign = await ConsoleConsumer.start(
        s.stack.env.KAFKA_GROUP_ID,
        side.orders,
        "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        `${s.stack.logDir}/console-consumer.log`,
      );
      let clearedAt = 0;
      const faultAt = performance.now();
      try {
        s.health.phase = "fault";
        await s.stack.startService("consumer", { until: "live" });
        const during = await s.place(3);
        await s.health.waitFor("not live", (h) => h.answered && !h.live);
        assert.match(
          await Deno.readTextFile(s.stack.service("consumer").logPath),
          /supported protocols are incompatible with those of existing members/,
          "kafkajs crashed on the protocol",
        );
        assert.equal(await s.stack.orderCount(s.kitchenId), 2, "nothing applied meanwhile");
        await foreign.stop();
        clearedAt = performance.now();
        s.health.phase = "after";
        await assertRecovered(s, [...before, ...during], faultAt, clearedAt);
      } finally {
        await foreign.stop();
        await side.remove();
      }
    }),
);

Deno.test(
  "consume stall: the broker deletes the group while a slow batch keeps the consumer from heartbeating",
  () =>
    scene("stall_group_deleted", async (s) => {
      const group = s.stack.env.KAFKA_GROUP_ID;
      const before = await s.place(2);
      await waitForOrders(s.stack, before);

      // PostgreSQL holds the consumer's next batch (writes wait for the lock), long enough for
      // the broker to drop the silent member: the group is then empty and may be deleted.
      const lock = new pg.Client({ connectionString: s.stack.db.url });
      await lock.connect();
      let clearedAt = 0;
      const faultAt = performance.now();
      try {
        await lock.query("BEGIN");
        await lock.query("LOCK TABLE order_ids IN SHARE MODE");
        s.health.phase = "fault";
        const during = await s.place(2);
        // The moment the broker has dropped the silent member (the group is empty, which the
        // broker requires), the group is deleted: with the admin API, as a JVM tool would start
        // too slowly for the moment.
        await deleteGroupOnceEmpty(group);
        during.push(...await s.place(2));
        await s.health.waitFor("not live", (h) => h.answered && !h.live);
        await lock.query("ROLLBACK");
        clearedAt = performance.now();
        s.health.phase = "after";
        await assertRecovered(s, [...before, ...during], faultAt, clearedAt);
      } finally {
        await lock.end().catch(() => {});
      }
    }),
);

Deno.test(
  "consume stall: PostgreSQL refuses writes, so the same batch fails over and over",
  () =>
    scene("stall_read_only_database", async (s) => {
      const db = s.stack.db;
      const before = await s.place(2);
      await waitForOrders(s.stack, before);
      // New sessions of the database are read-only (as on a standby after a failover); the
      // consumer's pool opens new ones once its current sessions are ended. The fault is made
      // and cleared from a session opened before it (new ones could not write either).
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      const endConsumerSessions = () =>
        admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = $1 AND application_name = 'ovenline-consumer'`,
          [db.name],
        );
      const faultAt = performance.now();
      s.health.phase = "fault";
      let during: string[];
      try {
        await admin.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
        await endConsumerSessions();
        during = await s.place(3);
        await s.health.waitFor("not live", (h) => h.answered && !h.live);
        assert.match(
          await Deno.readTextFile(s.stack.service("consumer").logPath),
          /read-only transaction/,
          "the batch failed on the read-only database",
        );
        assert.equal(await s.stack.orderCount(s.kitchenId), 2, "nothing applied meanwhile");
      } finally {
        await admin.query(`ALTER DATABASE ${db.name} RESET default_transaction_read_only`);
        await endConsumerSessions();
        await admin.end();
      }
      const clearedAt = performance.now();
      s.health.phase = "after";
      await assertRecovered(s, [...before, ...during], faultAt, clearedAt);
    }),
);
