import assert from "node:assert/strict";
import { RateBuckets } from "./rate_buckets.ts";

Deno.test("`RateBuckets.take()` allows a burst, then one call per refill, per key", () => {
  const buckets = new RateBuckets(2, 3);
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) assert.equal(buckets.take("a", t0), 0);
  assert.equal(buckets.take("a", t0), 500, "the next call waits half a second at 2/s");
  assert.equal(buckets.take("b", t0), 0, "another key has its own bucket");
  assert.equal(buckets.take("a", t0 + 500), 0, "refilled");
  assert.equal(buckets.take("a", t0 + 500), 500);
  assert.equal(buckets.take("a", t0 + 60_000), 0, "never more than the burst after a pause");
  assert.equal(buckets.take("a", t0 + 60_000), 0);
  assert.equal(buckets.take("a", t0 + 60_000), 0);
  assert(buckets.take("a", t0 + 60_000) > 0);
});
