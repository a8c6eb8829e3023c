/**
 * The CI-sized chaos run (the full one is `deno task chaos`): 1,500 orders
 * while intake, consumer, promoter, hub, Kafka, Redis and PostgreSQL are each
 * SIGKILLed and restarted in turn. Nothing acknowledged may be lost.
 */
import assert from "node:assert/strict";
import { passed, runChaos } from "./chaos/chaos_run.ts";
import { formatReport } from "./chaos/report.ts";

Deno.test("chaos: every acknowledged order survives a SIGKILL of each part of the stack", async () => {
  const report = await runChaos({ orders: 1_500, perSecond: 50 });
  console.log(formatReport(report));
  const v = report.verdict;
  assert.equal(v.acknowledged + report.walkedAway, 1_500, "every customer answered or gone");
  assert.ok(report.walkedAway > 0, "some customers walked away after a failure");
  assert.deepEqual(v.unexplained, [], "no order nobody placed");
  assert.deepEqual(v.lost, []);
  assert.deepEqual(v.duplicated, []);
  assert.deepEqual(v.wrongStatus, []);
  assert.deepEqual(v.slotProblems, []);
  assert.deepEqual(v.visibleNotOnKds, []);
  assert.ok(
    v.visibleChecked > 0,
    "orders became visible during the run (test/chaos/visibility_plan.ts)",
  );
  assert.ok(v.slotsChecked >= 4, "1,500 orders at 400 a slot fill several slots");
  assert.deepEqual(report.faults.map((f) => [f.target, f.error ?? "survived"]), [
    ["intake", "survived"],
    ["consumer", "survived"],
    ["promoter", "survived"],
    ["hub", "survived"],
    ["kafka", "survived"],
    ["redis", "survived"],
    ["postgres", "survived"],
  ]);
  assert.deepEqual(report.unexpectedExits, []);
  assert.ok(passed(report));
});
