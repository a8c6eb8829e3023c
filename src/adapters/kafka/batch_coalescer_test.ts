import assert from "node:assert/strict";
import { BatchCoalescer, type Defer, highestPerPartition } from "./batch_coalescer.ts";

/** A defer whose moments the test starts by hand. */
function manualTurns(): { defer: Defer; next(): Promise<void>; pending(): number } {
  const queue: (() => void)[] = [];
  return {
    defer: (run) => queue.push(run),
    async next() {
      const run = queue.shift();
      assert.ok(run, "a turn was scheduled");
      run();
      // Let the handler's promise settle and the submitters' continuations run.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    pending: () => queue.length,
  };
}

Deno.test("batch coalescer: submits of the same moment go in one call, in submit order", async () => {
  const turns = manualTurns();
  const calls: string[][] = [];
  const c = new BatchCoalescer<string>((items) => {
    calls.push([...items]);
    return Promise.resolve();
  }, turns.defer);
  const done = [c.submit(["p0-1", "p0-2"]), c.submit(["p1-1"]), c.submit(["p2-1", "p2-2"])];
  assert.equal(turns.pending(), 1, "one call scheduled for all three");
  await turns.next();
  await Promise.all(done);
  assert.deepEqual(calls, [["p0-1", "p0-2", "p1-1", "p2-1", "p2-2"]]);
});

Deno.test("batch coalescer: what arrives during a call waits and goes in the next one", async () => {
  const turns = manualTurns();
  const calls: string[][] = [];
  let finishFirst!: () => void;
  const c = new BatchCoalescer<string>((items) => {
    calls.push([...items]);
    return calls.length === 1 ? new Promise<void>((r) => finishFirst = r) : Promise.resolve();
  }, turns.defer);
  const first = c.submit(["a"]);
  await turns.next();
  const second = c.submit(["b"]);
  const third = c.submit(["c"]);
  assert.equal(turns.pending(), 0, "nothing scheduled while a call runs");
  assert.equal(c.waiting, 2);
  finishFirst();
  await first;
  assert.equal(turns.pending(), 1, "the waiting ones scheduled when the call ended");
  await turns.next();
  await Promise.all([second, third]);
  assert.deepEqual(calls, [["a"], ["b", "c"]]);
});

Deno.test("batch coalescer: a failed call rejects every submit it carried, and only those", async () => {
  const turns = manualTurns();
  let fail = true;
  const c = new BatchCoalescer<number>(
    () => fail ? Promise.reject(new Error("database down")) : Promise.resolve(),
    turns.defer,
  );
  const carried = [c.submit([1]), c.submit([2])];
  const outcomes = Promise.allSettled(carried);
  await turns.next();
  const settled = await outcomes;
  assert.deepEqual(settled.map((s) => s.status), ["rejected", "rejected"]);
  assert.match(String((settled[0] as PromiseRejectedResult).reason), /database down/);
  fail = false;
  const retried = c.submit([1]);
  await turns.next();
  await retried;
});

Deno.test("batch coalescer: by default the call starts on the next turn of the event loop", async () => {
  const calls: number[][] = [];
  const c = new BatchCoalescer<number>((items) => {
    calls.push([...items]);
    return Promise.resolve();
  });
  const a = c.submit([1]);
  await Promise.resolve();
  const b = c.submit([2]);
  await Promise.all([a, b]);
  assert.deepEqual(calls, [[1, 2]]);
});

Deno.test("highestPerPartition: one offset per topic-partition, the highest by number", () => {
  assert.deepEqual(
    highestPerPartition([
      { topic: "orders", partition: 0, offset: "9" },
      { topic: "orders", partition: 1, offset: "100" },
      { topic: "orders", partition: 0, offset: "10" },
      { topic: "other", partition: 0, offset: "3" },
      { topic: "orders", partition: 1, offset: "99" },
    ]),
    [
      { topic: "orders", partition: 0, offset: "10" },
      { topic: "orders", partition: 1, offset: "100" },
      { topic: "other", partition: 0, offset: "3" },
    ],
  );
});
