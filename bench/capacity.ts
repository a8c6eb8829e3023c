/**
 * `deno task capacity [<bench results>…] [rate…]`: the capacity model's plan (docs/capacity.md) for
 * the given order rates, from the median CPU per order of bench results files (default: the basis
 * the docs and values-prod.yaml use).
 */
import { CAPACITY_BASIS } from "./capacity_basis.ts";
import {
  type CapacityPlan,
  capacityPlan,
  cpuPerOrderOf,
  medianCpuPerOrder,
} from "./capacity_model.ts";

const args = [...Deno.args];
const files: string[] = [];
while (args[0]?.endsWith(".json")) files.push(args.shift()!);
if (files.length === 0) files.push(...CAPACITY_BASIS);
const rates = args.length ? args.map(Number) : [3000, 10000];
for (const r of rates) {
  if (!(r > 0)) throw new Error(`rate "${r}" is not a positive number of orders per second`);
}
const cpu = medianCpuPerOrder(
  await Promise.all(files.map(async (f) => cpuPerOrderOf(JSON.parse(await Deno.readTextFile(f))))),
);
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
console.log(`CPU per order (ms), median of ${files.join(", ")}: ${JSON.stringify(cpu)}\n`);
console.log(`| | ${rates.map((r) => `${r}/s`).join(" | ")} |`);
console.log(`| --- | ${rates.map(() => "---:").join(" | ")} |`);
for (const [name, f] of rows) console.log(`| ${name} | ${plans.map(f).join(" | ")} |`);
