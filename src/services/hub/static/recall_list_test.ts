import assert from "node:assert/strict";
import {
  parseRecall,
  pruneRecall,
  pushRecall,
  RECALL_LIMIT,
  RECALL_MAX_AGE_MS,
} from "./recall_list.js";
import { order } from "./_test_orders.ts";

Deno.test("`pushRecall()` puts the last bumped order first, once, and keeps at most the limit", () => {
  const a = order();
  const b = order();
  let list = pushRecall([], a, 1000);
  list = pushRecall(list, b, 2000);
  list = pushRecall(list, a, 3000);
  assert.deepEqual(list.map((e) => [e.order.id, e.bumpedAtMs]), [[a.id, 3000], [b.id, 2000]]);
  for (let i = 0; i < RECALL_LIMIT + 3; i++) list = pushRecall(list, order(), 4000 + i);
  assert.equal(list.length, RECALL_LIMIT);
});

Deno.test("`pruneRecall()` drops entries older than the recall window", () => {
  const list = [{ order: order(), bumpedAtMs: 0 }, { order: order(), bumpedAtMs: 1000 }];
  assert.equal(pruneRecall(list, RECALL_MAX_AGE_MS + 500).length, 1);
});

Deno.test("`parseRecall()` reads a stored list back and drops malformed entries", () => {
  const good = { order: order(), bumpedAtMs: 1000 };
  const text = JSON.stringify([good, { order: { id: 1 } }, null, { bumpedAtMs: 5 }]);
  assert.deepEqual(parseRecall(text, 2000), [good]);
  assert.deepEqual(parseRecall("not json", 0), []);
  assert.deepEqual(parseRecall(null, 0), []);
  assert.deepEqual(parseRecall('{"a":1}', 0), []);
});
