/**
 * runPromotionLoop() against a fake of its own port (DueOrderStore) and real
 * timers: when it wakes, how it drains a backlog, how it survives failures.
 * The Redis side (lua/promote_due.lua, two replicas) is tested for real in
 * test/promotion_test.ts.
 */
import assert from "node:assert/strict";
import type { Promoted } from "../../adapters/redis/due_orders.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { createLogger } from "../../observability/logger.ts";
import { type DueOrderStore, runPromotionLoop } from "./promotion_loop.ts";

const silent = createLogger({}, "error", () => {});
const clock = { now: () => new Date() };

/** Scheduled orders in memory, with a record of every call. */
class FakeDueOrders implements DueOrderStore {
  readonly due = new Map<string, number>();
  readonly promotedAt = new Map<string, number>();
  promoteCalls: { at: number; limit: number }[] = [];
  failNext = 0;

  schedule(id: string, dueAt: number): void {
    this.due.set(id, dueAt);
  }

  promote(now: Date, limit: number): Promise<Promoted[]> {
    this.promoteCalls.push({ at: Date.now(), limit });
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("redis went away"));
    }
    const ready = [...this.due].filter(([, at]) => at <= now.getTime())
      .sort((a, b) => a[1] - b[1]).slice(0, limit);
    for (const [id, at] of ready) {
      this.due.delete(id);
      this.promotedAt.set(id, Date.now());
      assert(Date.now() >= at, `${id} promoted before it was due`);
    }
    return Promise.resolve(ready.map(([orderId, at]) => ({ orderId, visibleAt: new Date(at) })));
  }

  nextDue(): Promise<Date | undefined> {
    const times = [...this.due.values()];
    return Promise.resolve(times.length ? new Date(Math.min(...times)) : undefined);
  }
}

async function running(
  store: FakeDueOrders,
  options: { tickMs: number; batchSize: number },
  body: (promoted: Promoted[][]) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const batches: Promoted[][] = [];
  const loop = runPromotionLoop(store, clock, silent, {
    ...options,
    onPromoted: (p) => batches.push([...p]),
  }, stop.signal);
  try {
    await body(batches);
  } finally {
    stop.abort();
    await loop;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("runPromotionLoop() wakes at the next due time, not a whole tick later", async () => {
  const store = new FakeDueOrders();
  const start = Date.now();
  store.schedule("a", start + 150);
  store.schedule("b", start + 400);
  await running(store, { tickMs: 1_000, batchSize: 10 }, async (batches) => {
    await sleep(700);
    assert.deepEqual(batches.map((b) => b.map((p) => p.orderId)), [["a"], ["b"]]);
  });
  const lateA = store.promotedAt.get("a")! - (start + 150);
  const lateB = store.promotedAt.get("b")! - (start + 400);
  assert(lateA >= 0 && lateA < 100, `a was ${lateA} ms late`);
  assert(lateB >= 0 && lateB < 100, `b was ${lateB} ms late`);
});

Deno.test("runPromotionLoop() sleeps at most a tick, so an order scheduled meanwhile is not missed", async () => {
  const store = new FakeDueOrders();
  await running(store, { tickMs: 50, batchSize: 10 }, async (batches) => {
    await sleep(120); // idle: nothing scheduled, the loop polls every tick
    const dueAt = Date.now() + 30;
    store.schedule("late-comer", dueAt);
    await sleep(200);
    assert.deepEqual(batches.flat().map((p) => p.orderId), ["late-comer"]);
    const late = store.promotedAt.get("late-comer")! - dueAt;
    assert(late >= 0 && late < 100, `${late} ms late`);
  });
  assert(store.promoteCalls.length >= 3, "it polled while idle");
});

Deno.test("runPromotionLoop() drains a backlog in full batches without waiting between them", async () => {
  const store = new FakeDueOrders();
  const past = Date.now() - 60_000;
  for (let i = 0; i < 7; i++) store.schedule(`o${i}`, past + i);
  await running(store, { tickMs: 1_000, batchSize: 3 }, async (batches) => {
    await sleep(100);
    assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
    assert.deepEqual(batches.flat().map((p) => p.orderId), [
      "o0",
      "o1",
      "o2",
      "o3",
      "o4",
      "o5",
      "o6",
    ]);
  });
  const [first, , third] = store.promoteCalls;
  assert(third.at - first.at < 50, "the three batches ran back to back");
  assert(store.promoteCalls.every((c) => c.limit === 3));
});

Deno.test("runPromotionLoop() retries after a failing store and promotes once it answers again", async () => {
  const store = new FakeDueOrders();
  store.failNext = 2;
  store.schedule("x", Date.now());
  const warnings: string[] = [];
  const logger = createLogger({}, "warn", (line) => warnings.push(JSON.parse(line).msg));
  const stop = new AbortController();
  const loop = runPromotionLoop(store, clock, logger, { tickMs: 30, batchSize: 10 }, stop.signal);
  try {
    await sleep(200);
    assert.equal(store.promotedAt.has("x"), true);
    assert.deepEqual(warnings, ["promotion failed; retrying", "promotion failed; retrying"]);
  } finally {
    stop.abort();
    await loop;
  }
});

Deno.test("runPromotionLoop() returns once its signal aborts", async () => {
  const store = new FakeDueOrders();
  const stop = new AbortController();
  const loop = runPromotionLoop(store, clock, silent, { tickMs: 20, batchSize: 10 }, stop.signal);
  await sleep(50);
  stop.abort();
  const calls = await Promise.race([loop.then(() => store.promoteCalls.length), sleep(500)]);
  assert.equal(typeof calls, "number", "the loop ended");
  await sleep(60);
  assert.equal(store.promoteCalls.length, calls, "no call after it ended");
});

Deno.test("runPromotionLoop() tells its heartbeat: waiting while the store fails, progress when it answers", async () => {
  const store = new FakeDueOrders();
  store.failNext = 1_000_000;
  const watchdog = new ProgressWatchdog(clock);
  const heartbeat = watchdog.loop("promotion loop", { stallAfterMs: 60_000, ticks: true });
  const stop = new AbortController();
  const loop = runPromotionLoop(
    store,
    clock,
    silent,
    { tickMs: 10, batchSize: 10, heartbeat },
    stop.signal,
  );
  try {
    await sleep(60);
    assert.deepEqual(watchdog.verdict().loops[0], {
      loop: "promotion loop",
      live: true,
      ready: false,
      detail: "waiting: promotion failed: redis went away",
    });
    store.failNext = 0;
    await sleep(60);
    assert.deepEqual(watchdog.verdict(), {
      live: true,
      ready: true,
      loops: [{ loop: "promotion loop", live: true, ready: true, detail: "ok" }],
    });
  } finally {
    stop.abort();
    await loop;
  }
});
