import assert from "node:assert/strict";
import type { OffsetsReading } from "../../domain/consume_progress.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { consumeWatch } from "./consume_watch.ts";

function setup() {
  let now = Date.parse("2026-03-01T12:00:00Z");
  const watchdog = new ProgressWatchdog({ now: () => new Date(now) });
  const heartbeat = watchdog.loop("consume loop", { stallAfterMs: 10_000, ticks: true });
  const offsets = { end: 0n, committed: 0n, fail: false };
  const restarts: string[] = [];
  const loop = {
    joined: true,
    partitions: [0] as readonly number[],
    retrying: 1, // a batch failing: a dependency is to blame, no restart
    restart: (reason: string) => restarts.push(reason),
  };
  const liveState = { restoring: false };
  const look = consumeWatch({
    read: () =>
      offsets.fail
        ? Promise.reject(new Error("KafkaJSConnectionError: Connection timeout"))
        : Promise.resolve<OffsetsReading>(
          new Map([[0, { end: offsets.end, committed: offsets.committed }]]),
        ),
    loop,
    liveState,
    heartbeat,
    restartAfter: 3,
  });
  /** `looks` looks, one every 2.5 s. */
  const watch = async (change: () => void = () => {}, looks = 5) => {
    for (let i = 0; i < looks; i++) {
      now += 2_500;
      change();
      await look();
    }
  };
  const verdict = () => {
    const v = watchdog.verdict();
    return { live: v.live, ready: v.ready, detail: v.loops[0].detail };
  };
  return { offsets, loop, liveState, heartbeat, watch, verdict, restarts };
}

Deno.test("a quiet topic keeps the consume loop live and ready", async () => {
  const { offsets, watch, verdict } = setup();
  offsets.end = offsets.committed = 42n;
  await watch();
  await watch();
  assert.deepEqual(verdict(), { live: true, ready: true, detail: "ok" });
});

Deno.test("a backlog being worked off is progress, however large", async () => {
  const { offsets, watch, verdict } = setup();
  offsets.end = 10_000n;
  await watch(() => {
    offsets.end += 500n;
    offsets.committed += 200n;
  });
  assert.deepEqual(verdict(), { live: true, ready: true, detail: "ok" });
});

Deno.test("records waiting and the offset not moving: not live after the limit", async () => {
  const { offsets, watch, verdict } = setup();
  offsets.end = 120n;
  offsets.committed = 100n;
  await watch(() => (offsets.end += 3n), 5);
  assert.equal(verdict().live, true, "stuck since the second look, 7.5 s ago: not yet");
  await watch(() => (offsets.end += 3n), 2);
  assert.deepEqual(verdict(), {
    live: false,
    ready: false,
    detail:
      "no progress for 13 s: records waiting and no offset moved (partition 0 at offset 100, 41 behind)",
  });
  offsets.committed = 135n;
  await watch();
  assert.equal(verdict().live, true, "once the offset moves again");
});

Deno.test("Kafka not answering is waiting (not ready), never a stall", async () => {
  const { offsets, watch, verdict } = setup();
  offsets.end = 120n;
  offsets.fail = true;
  await watch();
  await watch();
  assert.deepEqual(verdict(), {
    live: true,
    ready: false,
    detail:
      "waiting: reading the group's offsets failed: KafkaJSConnectionError: Connection timeout",
  });
});

Deno.test("while the live state is restored, waiting batches are not a stall", async () => {
  const { offsets, liveState, watch, verdict } = setup();
  offsets.end = 120n;
  liveState.restoring = true;
  await watch();
  await watch();
  assert.deepEqual(verdict(), {
    live: true,
    ready: false,
    detail: "waiting: batches wait for the live-state restore",
  });
});

Deno.test("a loop that is out of the group says nothing here: the supervisor's report stands", async () => {
  const { offsets, loop, heartbeat, watch, verdict } = setup();
  offsets.end = 120n;
  loop.joined = false;
  heartbeat.stopped("KafkaJSProtocolError: incompatible protocols");
  await watch(undefined, 4);
  assert.deepEqual([verdict().live, verdict().ready], [true, false]);
  await watch(undefined, 1);
  assert.deepEqual(verdict(), {
    live: false,
    ready: false,
    detail: "stopped for 13 s: KafkaJSProtocolError: incompatible protocols",
  });
});

Deno.test("stuck with no batch failing: the consumer is replaced after `restartAfter` looks", async () => {
  const { offsets, loop, watch, restarts } = setup();
  offsets.end = 120n;
  offsets.committed = 100n;
  await watch(undefined, 5);
  assert.deepEqual(restarts, [], "a failing batch is the dependency's fault");
  loop.retrying = 0;
  await watch(undefined, 3);
  assert.deepEqual(restarts, [
    "no batch failing, yet records waiting and no offset moved (partition 0 at offset 100, 20 behind)",
  ]);
  offsets.committed = 120n;
  await watch(undefined, 5);
  assert.equal(restarts.length, 1, "not again once it moves");
});
