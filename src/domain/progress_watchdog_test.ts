import assert from "node:assert/strict";
import { ProgressWatchdog } from "./progress_watchdog.ts";

function setup(options: { ticks?: boolean } = {}) {
  let now = Date.parse("2026-03-01T12:00:00Z");
  const watchdog = new ProgressWatchdog({ now: () => new Date(now) });
  const loop = watchdog.loop("consume loop", { stallAfterMs: 10_000, ...options });
  return {
    watchdog,
    loop,
    advance: (ms: number) => (now += ms),
    state: () => {
      const v = watchdog.verdict();
      return { live: v.live, ready: v.ready, detail: v.loops[0].detail };
    },
  };
}

Deno.test("a loop that keeps progressing is live and ready for ever", () => {
  const { loop, advance, state } = setup({ ticks: true });
  for (let i = 0; i < 100; i++) {
    advance(5_000);
    loop.progressed();
  }
  assert.deepEqual(state(), { live: true, ready: true, detail: "ok" });
});

Deno.test("a loop that may idle stays live and ready through any silence", () => {
  const { advance, state } = setup();
  advance(3_600_000);
  assert.deepEqual(state(), { live: true, ready: true, detail: "ok" });
});

Deno.test("a ticking loop that falls silent for longer than its limit is neither live nor ready", () => {
  const { loop, advance, state } = setup({ ticks: true });
  loop.progressed();
  advance(10_000);
  assert.equal(state().live, true, "at the limit it is still live");
  advance(1);
  assert.deepEqual(state(), { live: false, ready: false, detail: "silent for 10 s" });
  loop.progressed();
  assert.equal(state().live, true, "a word brings it back");
});

Deno.test("a stopped loop is not ready at once and not live once it stays stopped past the limit", () => {
  const { loop, advance, state } = setup();
  loop.stopped("KafkaJSProtocolError: incompatible protocols");
  assert.deepEqual(state(), {
    live: true,
    ready: false,
    detail: "stopped 0 s ago: KafkaJSProtocolError: incompatible protocols",
  });
  advance(6_000);
  loop.stopped("the same again"); // a failed restart keeps the first time it stopped
  advance(4_001);
  assert.deepEqual(state(), {
    live: false,
    ready: false,
    detail: "stopped for 10 s: the same again",
  });
  loop.started();
  assert.deepEqual(state(), { live: true, ready: true, detail: "ok" });
});

Deno.test("a loop stuck with work is ready within its limit, then neither live nor ready", () => {
  const { loop, advance, state } = setup();
  loop.stuck("12 records waiting on partition 3");
  advance(5_000);
  loop.stuck("14 records waiting on partition 3");
  assert.deepEqual(state(), {
    live: true,
    ready: true,
    detail: "no progress for 5 s: 14 records waiting on partition 3",
  });
  advance(5_001);
  assert.deepEqual(state(), {
    live: false,
    ready: false,
    detail: "no progress for 10 s: 14 records waiting on partition 3",
  });
  loop.progressed();
  assert.deepEqual(state(), { live: true, ready: true, detail: "ok" });
});

Deno.test("waiting on a dependency is not ready but live, and restarts the stall clock", () => {
  const { loop, advance, state } = setup();
  loop.stuck("records waiting");
  advance(8_000);
  loop.waiting("Kafka does not answer");
  assert.deepEqual(state(), { live: true, ready: false, detail: "waiting: Kafka does not answer" });
  advance(60_000);
  loop.waiting("Kafka does not answer");
  assert.equal(state().live, true, "a long outage of a dependency never fails liveness");
  loop.stuck("records waiting");
  advance(9_000);
  assert.equal(state().live, true, "the stall clock started again after the wait");
  advance(1_001);
  assert.equal(state().live, false);
});

Deno.test("a stopped loop waiting on its dependency stays live however long it lasts", () => {
  const { loop, advance, state } = setup();
  loop.stopped("connection refused");
  for (let i = 0; i < 10; i++) {
    advance(5_000);
    loop.waiting("Kafka does not answer");
  }
  assert.equal(state().live, true);
  assert.equal(state().ready, false);
  assert.match(state().detail, /^stopped 50 s ago: connection refused$/);
});

Deno.test("an operation must finish or report progress within the limit", () => {
  const { loop, advance, state } = setup({ ticks: true });
  const restore = loop.busy("restoring the live state");
  for (let i = 0; i < 30; i++) {
    advance(9_000);
    restore.progressed();
  }
  assert.deepEqual(state(), { live: true, ready: true, detail: "restoring the live state" });
  advance(10_001);
  assert.deepEqual(state(), {
    live: false,
    ready: false,
    detail: "restoring the live state: no progress for 10 s",
  });
  restore.done();
  assert.deepEqual(state(), { live: true, ready: true, detail: "ok" });
});

Deno.test("the process is live and ready only when every loop is", () => {
  const { watchdog, loop, advance } = setup();
  const sweep = watchdog.loop("held-bookings sweep", { stallAfterMs: 30_000, ticks: true });
  assert.equal(watchdog.loop("held-bookings sweep", { stallAfterMs: 1 }), sweep, "one per name");
  advance(20_000);
  loop.progressed();
  sweep.waiting("Redis does not answer");
  const v = watchdog.verdict();
  assert.deepEqual([v.live, v.ready], [true, false]);
  assert.deepEqual(v.loops.map((l) => l.loop), ["consume loop", "held-bookings sweep"]);
  advance(30_001);
  assert.equal(watchdog.verdict().live, false);
  watchdog.remove("held-bookings sweep");
  assert.deepEqual(watchdog.verdict().loops.map((l) => l.loop), ["consume loop"]);
});
