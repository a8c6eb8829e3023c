import assert from "node:assert/strict";
import { createLogger } from "../../observability/logger.ts";
import { KeyedWorkQueue } from "./work_queue.ts";

const quiet = createLogger({}, "error");
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("KeyedWorkQueue runs one key at a time and coalesces adds during a run", async () => {
  const runs: string[] = [];
  let release!: () => void;
  let running = 0;
  let most = 0;
  const queue = new KeyedWorkQueue(async (key) => {
    running++;
    most = Math.max(most, running);
    runs.push(key);
    if (runs.length === 1) await new Promise<void>((r) => (release = r));
    running--;
  }, quiet);
  queue.add("a");
  queue.add("a");
  queue.add("a"); // three adds during the first run: one more run
  queue.add("b"); // another key runs at once
  await tick(10);
  assert.deepEqual(runs, ["a", "b"]);
  release();
  await tick(10);
  assert.deepEqual(runs, ["a", "b", "a"]);
  assert.equal(most, 2, "a and b together, never a twice");
  await queue.stop();
});

Deno.test("KeyedWorkQueue retries a failed run with backoff until it succeeds", async () => {
  const at: number[] = [];
  const queue = new KeyedWorkQueue(
    (_key) => {
      at.push(Date.now());
      return at.length < 3 ? Promise.reject(new Error("not yet")) : Promise.resolve();
    },
    quiet,
    { minBackoffMs: 20, maxBackoffMs: 1_000 },
  );
  queue.add("k");
  await tick(200);
  assert.equal(at.length, 3);
  assert.ok(at[1] - at[0] >= 15 && at[2] - at[1] >= 35, `gaps ${at[1] - at[0]}, ${at[2] - at[1]}`);
  await queue.stop();
});

Deno.test("KeyedWorkQueue.stop() waits for runs in flight and drops pending retries", async () => {
  let finished = false;
  let calls = 0;
  const queue = new KeyedWorkQueue(
    async () => {
      calls++;
      await tick(30);
      finished = true;
      throw new Error("fails");
    },
    quiet,
    { minBackoffMs: 10 },
  );
  queue.add("k");
  await tick(5);
  await queue.stop();
  assert.ok(finished);
  await tick(50);
  assert.equal(calls, 1, "no retry after stop");
  queue.add("k");
  await tick(5);
  assert.equal(calls, 1, "no run after stop");
});
