import assert from "node:assert/strict";
import {
  capacityPlan,
  cpuPerOrderOf,
  DEFAULT_ASSUMPTIONS,
  medianCpuPerOrder,
} from "./capacity_model.ts";

const measured = { intake: 0.3, consumer: 0.1, hub: 0.05, kafka: 0.3, redis: 0.14, postgres: 0.2 };

Deno.test("capacity plan: replicas, partitions, brokers and the lag threshold follow the CPU per order", () => {
  const plan = capacityPlan(3000, measured);
  // intake: 3,000 × 0.3 ms = 0.9 cores; a pod holds 0.5 × 60 % = 0.3 cores → 3 pods.
  assert.deepEqual(plan.cores.intake, 0.9);
  assert.deepEqual(plan.intakeReplicas, 3);
  // hub: 0.05 + 0.01 × 4 sockets × 5 events = 0.25 ms → 0.75 cores → 3 pods (one per zone anyway).
  assert.deepEqual(plan.cores.hub, 0.75);
  assert.deepEqual(plan.hubReplicas, 3);
  // consumer: 10,000/s per core, half a loop each → 5,000/s per replica → 1, but never below 2.
  assert.deepEqual(plan.ordersPerCore.consumer, 10000);
  assert.deepEqual(plan.consumerReplicas, 2);
  assert.deepEqual(plan.minPartitions, 2);
  // Kafka: 3,000 × 0.3 ms × 3 replicas = 2.7 cores → 3 brokers of one core.
  assert.deepEqual(plan.kafkaBrokers, 3);
  assert.deepEqual(plan.redisThreadShare, 0.42);
  assert.ok(plan.redisFits);
  // 5,000/s per replica × 100 ms = 500 orders.
  assert.deepEqual(plan.kedaLagThreshold, 500);
});

Deno.test("capacity plan: past one Redis thread's budget the plan says Redis does not fit", () => {
  const plan = capacityPlan(10000, measured);
  assert.deepEqual(plan.redisThreadShare, 1.4);
  assert.deepEqual(plan.redisFits, false);
  assert.deepEqual(plan.intakeReplicas, 10);
  assert.deepEqual(plan.consumerReplicas, 2);
  assert.deepEqual(plan.kafkaBrokers, 9);
});

Deno.test("capacity plan: a bad rate or a missing measurement is refused by name", () => {
  assert.throws(() => capacityPlan(0, measured), {
    name: "RangeError",
    message: new RegExp("ordersPerSecond"),
  });
  assert.throws(() => capacityPlan(100, { ...measured, redis: 0 }), {
    name: "RangeError",
    message: new RegExp("cpu.redis"),
  });
  assert.throws(() => cpuPerOrderOf({ scenarios: {} }), {
    name: "Error",
    message: /no fixed-rate scenario/,
  });
  assert.throws(
    () => cpuPerOrderOf({ scenarios: { "fixed-rate": { cpu_ms_per_order: { intake: 1 } } } }),
    { name: "Error", message: /no CPU figure for consumer/ },
  );
});

Deno.test("cpuPerOrderOf: the bench's own figure, else CPU seconds over the window's OK orders", () => {
  const processes = [
    ["intake", 36],
    ["consumer", 12],
    ["hub", 4],
    ["kafka (infra)", 18],
    ["redis (infra)", 9],
    ["postgres (infra, all backends)", 12],
  ].map(([name, cpuSeconds]) => ({ name, cpuSeconds }));
  const fixed = { create: { ok: 60_000 }, resources: { processes } };
  assert.deepEqual(cpuPerOrderOf({ scenarios: { "fixed-rate": fixed } }), {
    intake: 0.6,
    consumer: 0.2,
    hub: 0.067,
    kafka: 0.3,
    redis: 0.15,
    postgres: 0.2,
  });
  const withOwn = { ...fixed, cpu_ms_per_order: { intake: 0.31, consumer: 0.09 } };
  const cpu = cpuPerOrderOf({ scenarios: { "fixed-rate": withOwn } });
  assert.equal(cpu.intake, 0.31);
  assert.equal(cpu.consumer, 0.09);
  assert.equal(cpu.kafka, 0.3);
  assert.deepEqual(DEFAULT_ASSUMPTIONS.zones, 3);
});

Deno.test("medianCpuPerOrder: each process's median over the runs, one odd run left out", () => {
  const runs = [
    { ...measured, kafka: 0.35 },
    { ...measured, kafka: 0.2, intake: 0.31 },
    { ...measured, kafka: 0.21, intake: 0.29 },
  ];
  const m = medianCpuPerOrder(runs);
  assert.equal(m.kafka, 0.21);
  assert.equal(m.intake, 0.3);
  assert.equal(medianCpuPerOrder(runs.slice(0, 2)).kafka, 0.275);
  assert.throws(() => medianCpuPerOrder([]), { message: /no runs/ });
});
