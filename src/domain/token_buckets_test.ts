import assert from "node:assert/strict";
import { TokenBuckets } from "./token_buckets.ts";

function clockAt(ms: number) {
  const clock = { ms, now: () => new Date(clock.ms) };
  return clock;
}

Deno.test("`TokenBuckets` lets a burst through, then the sustained rate, per key", () => {
  const clock = clockAt(0);
  const buckets = new TokenBuckets(10, 3, clock);
  assert.deepEqual([1, 2, 3].map(() => buckets.take("a")), [0, 0, 0]);
  assert.equal(buckets.take("a"), 100); // the next token in 1/10 s
  assert.equal(buckets.take("b"), 0); // another key has its own bucket
  clock.ms = 100;
  assert.equal(buckets.take("a"), 0);
  assert.equal(buckets.take("a"), 100);
  clock.ms = 60_000; // refilled, never above the burst
  assert.deepEqual([1, 2, 3, 4].map(() => buckets.take("a")), [0, 0, 0, 100]);
});

Deno.test("`TokenBuckets` keeps at most maxKeys keys, dropping the oldest", () => {
  const buckets = new TokenBuckets(1, 1, clockAt(0), 2);
  buckets.take("a");
  buckets.take("b");
  buckets.take("c");
  assert.equal(buckets.size, 2);
  assert.equal(buckets.take("a"), 0); // forgotten, so a full bucket again
  assert.notEqual(buckets.take("c"), 0);
});
