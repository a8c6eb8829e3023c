/**
 * `deno task capacity [results.json] [rate…]`: the capacity model's plan (docs/capacity.md) for the
 * given order rates, from the CPU per order of a bench results file (default: the basis the docs
 * and values-prod.yaml use).
 */
import { CAPACITY_BASIS } from "./capacity_basis.ts";
import { type CapacityPlan, capacityPlan, cpuPerOrderOf } from "./capacity_model.ts";

const args = [...Deno.args];
const file = args[0]?.endsWith(".json") ? args.shift()! : CAPACITY_BASIS;
const rates = args.length ? args.map(Number) : [3000, 10000];
for (const r of rates) {
  if (!(r > 0)) throw new Error(`rate "${r}" is not a positive number of orders per second`);
}
const cpu = cpuPerOrderOf(JSON.parse(await Deno.readTextFile(file)));
const plans = rates.map((r) => capacityPlan(r, cpu));

const rows: [string, (p: CapacityPlan) => string | number][] = [
  ["intake cores / replicas", (p) => `${p.cores.intake} / ${p.intakeReplicas}`],
  ["consumer cores / replicas", (p) => `${p.cores.consumer} / ${p.consumerReplicas}`],
  ["hub cores / replicas", (p) => `${p.cores.hub} / ${p.hubReplicas}`],
  ["Kafka partitions (at least)", (p) => p.minPartitions],
  ["Kafka brokers", (p) => p.kafkaBrokers],
  [
    "Redis: share of its one thread",
    (p) => `${p.redisThreadShare}${p.redisFits ? "" : " (shard)"}`,
  ],
  ["PostgreSQL primary cores", (p) => p.cores.postgres],
  ["KEDA lag threshold (orders/replica)", (p) => p.kedaLagThreshold],
];
console.log(`CPU per order (ms) from ${file}: ${JSON.stringify(cpu)}\n`);
console.log(`| | ${rates.map((r) => `${r}/s`).join(" | ")} |`);
console.log(`| --- | ${rates.map(() => "---:").join(" | ")} |`);
for (const [name, f] of rows) console.log(`| ${name} | ${plans.map(f).join(" | ")} |`);
