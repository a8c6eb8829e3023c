/** docs/capacity.md's model and the chart's production values agree (deploy/values-prod.yaml). */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { CAPACITY_BASIS } from "../bench/capacity_basis.ts";
import {
  capacityPlan,
  cpuPerOrderOf,
  DEFAULT_ASSUMPTIONS as A,
  medianCpuPerOrder,
} from "../bench/capacity_model.ts";

const root = new URL("../", import.meta.url);
const cores = (cpu: string | number) =>
  typeof cpu === "number" ? cpu : cpu.endsWith("m") ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);

Deno.test("values-prod.yaml is sized as docs/capacity.md's model says for 3,000/s, and scales to 10,000/s", async (t) => {
  const values = parse(await Deno.readTextFile(new URL("deploy/values-prod.yaml", root)));
  const cpu = medianCpuPerOrder(
    await Promise.all(
      CAPACITY_BASIS.map(async (f) =>
        cpuPerOrderOf(JSON.parse(await Deno.readTextFile(new URL(f, root))))
      ),
    ),
  );
  const busy = capacityPlan(3000, cpu);
  const peak = capacityPlan(10000, cpu);
  const doc = await Deno.readTextFile(new URL("docs/capacity.md", root));

  await t.step("the docs name the same basis", () => {
    for (const f of CAPACITY_BASIS) assert.ok(doc.includes(f), `docs/capacity.md names ${f}`);
  });

  await t.step("the docs' table is the plan `deno task capacity` prints for the basis", () => {
    const row = (name: string) => {
      const line = doc.split("\n").find((l) => l.startsWith(`| ${name} `));
      assert.ok(line, `docs/capacity.md has a row "${name}"`);
      return line.split("|").slice(2, -1).map((c) => c.trim());
    };
    const both = [busy, peak];
    assert.deepEqual(
      row("intake cores / replicas"),
      both.map((p) => `${p.cores.intake} / ${p.intakeReplicas}`),
    );
    assert.deepEqual(
      row("consumer cores / replicas"),
      both.map((p) => `${p.cores.consumer} / ${p.consumerReplicas}`),
    );
    assert.deepEqual(
      row("hub cores / replicas"),
      both.map((p) => `${p.cores.hub} / ${p.hubReplicas}`),
    );
    assert.deepEqual(row("Kafka brokers"), both.map((p) => String(p.kafkaBrokers)));
    assert.deepEqual(
      row("KEDA lag threshold (orders/replica)"),
      both.map((p) => String(p.kedaLagThreshold)),
    );
  });

  for (const name of ["intake", "hub"] as const) {
    await t.step(`${name}: the model's pod shape, one per zone at least, room for 10,000/s`, () => {
      const s = values[name];
      assert.equal(cores(s.resources.requests.cpu), A.podCpuRequest);
      assert.equal(s.autoscaling.targetCPUUtilizationPercentage, A.hpaTargetUtilization * 100);
      assert.ok(s.autoscaling.minReplicas >= A.zones);
      const needed = name === "intake" ? peak.intakeReplicas : peak.hubReplicas;
      assert.ok(
        s.autoscaling.maxReplicas >= needed,
        `${name} maxReplicas ${s.autoscaling.maxReplicas} < ${needed} needed at 10,000/s`,
      );
    });
  }

  await t.step(
    "consumer: replicas for 3,000/s from the start, partitions for 10,000/s, the model's lag threshold",
    () => {
      const c = values.consumer.autoscaling;
      const partitions = values.kafka.topic.partitions;
      assert.ok(c.minReplicas >= busy.consumerReplicas);
      assert.ok((c.maxReplicas || partitions) >= peak.consumerReplicas);
      assert.ok(partitions >= peak.minPartitions);
      assert.equal(c.lagThreshold, busy.kedaLagThreshold);
    },
  );

  await t.step("Kafka, Redis and PostgreSQL requests cover 3,000/s", () => {
    const k = values.kafka.operator;
    assert.ok(k.nodes >= busy.kafkaBrokers, `${k.nodes} brokers < ${busy.kafkaBrokers}`);
    assert.ok(cores(k.resources.requests.cpu) >= A.kafkaCoresPerBroker);
    assert.ok(busy.redisFits, "one Redis thread carries 3,000/s");
    assert.ok(cores(values.redis.resources.requests.cpu) >= busy.redisThreadShare);
    assert.ok(cores(values.postgres.operator.resources.requests.cpu) >= busy.cores.postgres);
  });
});
