import assert from "node:assert/strict";
import { percentile, ratio, summarize } from "./stats.ts";
import { requestTemplate, summarizeCalls } from "./ghz.ts";
import { summaryRows } from "./report.ts";

Deno.test("percentile() is the nearest rank of the sorted samples", () => {
  const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(s, 50), 50);
  assert.equal(percentile(s, 99), 99);
  assert.equal(percentile(s, 100), 100);
  assert.equal(percentile(s, 0), 1);
  assert.equal(percentile([], 50), null);
});

Deno.test("summarize() sorts numerically and reports count, mean and the tail", () => {
  const s = summarize([10, 9, 100, 1, 2]);
  assert.equal(s.count, 5);
  assert.equal(s.minMs, 1);
  assert.equal(s.p50Ms, 9);
  assert.equal(s.maxMs, 100);
  assert.equal(s.meanMs, 24.4);
  assert.equal(summarize([]).p99Ms, null);
});

Deno.test("ratio() is null when a side is missing", () => {
  assert.equal(ratio(1500, 800), 1.88);
  assert.equal(ratio(null, 800), null);
  assert.equal(ratio(5, 0), null);
});

Deno.test("summarizeCalls() leaves out the warm-up and counts errors by status", () => {
  const calls = [];
  for (let i = 0; i < 30; i++) {
    calls.push({
      startMs: 1000 + i * 100,
      latencyMs: i < 10 ? 500 : 5,
      status: i === 25 ? "UNAVAILABLE" : "OK",
      error: "down",
    });
  }
  const r = summarizeCalls(calls, {
    tool: "t",
    ratePerSecond: 10,
    durationSeconds: 2,
    warmupSeconds: 1,
    startedAtMs: 0,
    endedAtMs: 0,
  });
  assert.equal(r.sent, 20);
  assert.equal(r.ok, 19);
  assert.equal(r.errorCount, 1);
  assert.deepEqual(r.statusCounts, { OK: 19, UNAVAILABLE: 1 });
  assert.equal(r.latency.maxMs, 5); // the slow warm-up calls are not in the figures
  assert.equal(r.throughputPerSecond, 9.5);
  assert.equal(r.timeline.length, 3);
  assert.equal(r.timeline[0].p99Ms, 500);
});

Deno.test("requestTemplate() is JSON once ghz has filled in its template actions", () => {
  const t = requestTemplate("k1", 5000);
  const filled = t
    .replace(/\{\{add (\d+) \.RequestNumber\}\}/, (_, a) => String(Number(a) + 7))
    .replace(
      /\{\{printf `%09d` \(mod \(add (\d+) \.RequestNumber\) 1000000000\)\}\}/,
      (_, a) => String(Number(a) + 7).padStart(9, "0"),
    )
    .replace("{{newUUID}}", crypto.randomUUID());
  const req = JSON.parse(filled);
  assert.equal(req.customerId, "1005007");
  assert.equal(req.customerPhone, "+79000005007");
  assert.equal(req.kitchenId, "k1");
});

Deno.test("summaryRows() skips failed scenarios and compares against targets and the seed", () => {
  const rows = summaryRows({
    "max-rate": { maxSustainablePerSecond: 1600, atMax: null },
    fanout: { error: "listener failed" },
  });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].vsSeed, 2);
  assert.equal(rows[0].vsTarget, 0.53);
  assert.equal(rows[0].meets, false);
});
