/**
 * deno task chaos [--orders 10000] [--rate 100] [--faults intake,kafka,...] [--walk-away-every 20]
 * The full fault-injection run (see chaos_run.ts); prints the report and
 * exits non-zero when any promise was broken. Needs the local infrastructure
 * (./dev up) — it kills and restarts Kafka, Redis and PostgreSQL.
 */
import { parseArgs } from "node:util";
import { passed, runChaos } from "./chaos_run.ts";
import { ALL_FAULTS, type FaultTarget } from "./faults.ts";
import { formatReport } from "./report.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    orders: { type: "string", default: "10000" },
    rate: { type: "string", default: "100" },
    faults: { type: "string", default: ALL_FAULTS.join(",") },
    "walk-away-every": { type: "string", default: "20" },
  },
});
const faults = values.faults.split(",").filter((f) => f !== "");
const unknown = faults.filter((f) => !(ALL_FAULTS as readonly string[]).includes(f));
if (unknown.length > 0) {
  console.error(`unknown fault(s): ${unknown.join(", ")}; known: ${ALL_FAULTS.join(", ")}`);
  Deno.exit(2);
}
const report = await runChaos({
  orders: Number(values.orders),
  perSecond: Number(values.rate),
  faults: faults as FaultTarget[],
  walkAwayEvery: Number(values["walk-away-every"]),
  log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
});
console.log(formatReport(report));
Deno.exit(passed(report) ? 0 : 1);
