/**
 * A short run of the benchmark harness (bench/run.ts): every scenario for a
 * few seconds at a low rate, against the local infrastructure. Checks that the
 * report is produced and its counts are consistent; it asserts no timing
 * (benchmarks are not tests).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test({
  name: "the benchmark harness runs every scenario briefly and reports consistent figures",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "bench-smoke-" });
    const label = `smoke${crypto.randomUUID().slice(0, 6)}`;
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          "--check", // the harness is type-checked as it runs (bench/ is outside `deno task check`)
          `${ROOT}bench/run.ts`,
          "--no-infra", // the test runner brought the infrastructure up
          "--only",
          "fixed-rate,max-rate,light,kds-latency,kds-500,fanout,scale-out",
          "--rate",
          "50",
          "--duration",
          "3",
          "--warmup",
          "1",
          "--light-rates",
          "40,60",
          "--start-rate",
          "50",
          "--step-duration",
          "2",
          "--max-steps",
          "2",
          "--sockets",
          "20",
          "--fanout-sockets",
          "20",
          "--fanout-rate",
          "10",
          "--listeners",
          "2",
          "--out",
          out,
          "--label",
          label,
          "--no-latest",
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.ok(run.success, `bench/run.ts failed (${run.code}):\n${stderr.slice(-4000)}`);

      const report: Any = JSON.parse(await Deno.readTextFile(`${out}/${label}.json`));
      const md = await Deno.readTextFile(`${out}/${label}.md`);
      assert.ok(md.includes("## Summary"));
      for (const s of ["fixed-rate", "max-rate", "kds-latency", "fanout"]) {
        assert.ok(md.includes(`## ${s}`), `the markdown has a section for ${s}`);
        assert.equal(report.scenarios[s].error, undefined, `${s}: ${report.scenarios[s].error}`);
        assert.deepEqual(
          report.scenarios[s].servicesAliveAfter,
          { consumer: true, intake: true, promoter: true, hub: true },
        );
      }
      assert.ok(report.machine.nproc >= 1 && report.machine.cpuModel);
      assert.match(report.git.commit, /^[0-9a-f]{40}$/);
      assert.ok(report.versions.deno && report.versions.ghz);

      const sane = (l: Any, n: number, what: string) => {
        assert.equal(l.count, n, `${what}: count`);
        if (n === 0) return;
        assert.ok(
          l.p50Ms > 0 && l.p50Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.maxMs,
          what,
        );
      };
      // fixed-rate: 50/s for 3 s measured (+1 s warm-up), each call counted once.
      const fixed = report.scenarios["fixed-rate"];
      // ghz keeps the rate on average; a busy machine bunches calls across the window's edges.
      assert.ok(Math.abs(fixed.create.sent - 150) <= 30, `sent ${fixed.create.sent} of ~150`);
      assert.equal(fixed.create.ok + fixed.create.errorCount, fixed.create.sent);
      sane(fixed.create.latency, fixed.create.ok, "fixed-rate create latency");
      assert.ok(fixed.pipeline.drained);
      assert.equal(
        fixed.pipeline.inPostgres,
        fixed.pipeline.accepted,
        "every accepted order in PostgreSQL",
      );

      // CPU per order of every service, from the measured window's CPU time and OK orders.
      for (const s of ["fixed-rate", "light", "kds-latency", "kds-500"]) {
        const c = report.scenarios[s].cpu_ms_per_order;
        for (const svc of ["intake", "consumer", "promoter", "hub"]) {
          assert.ok(typeof c[svc] === "number" && c[svc] >= 0, `${s}: cpu_ms_per_order.${svc}`);
        }
      }
      const light = report.scenarios.light;
      assert.deepEqual(light.steps.map((st: Any) => st.ratePerSecond), [40, 60]);
      for (const st of light.steps) {
        assert.ok(
          Math.abs(st.create.sent - st.ratePerSecond * 3) <= st.ratePerSecond * 0.6,
          `light sent ${st.create.sent}`,
        );
        assert.equal(st.pipeline.inPostgres, st.pipeline.accepted);
      }
      assert.equal(report.scenarios["kds-500"].socketsOpen, 20);

      const max = report.scenarios["max-rate"];
      assert.ok(max.steps.length >= 1 && max.steps.length <= 2);
      assert.equal(max.steps[0].ratePerSecond, 50);

      const kds = report.scenarios["kds-latency"];
      assert.equal(kds.socketsOpen, 20);
      assert.ok(kds.accepted > 0);
      assert.ok(kds.ordersSeenByAllSockets <= kds.accepted && kds.missingDeliveries >= 0);
      // Every (measured order, socket) pair either arrived or counts as missing.
      const measured = kds.orderToKds.firstSocket.count;
      assert.ok(measured > 0);
      sane(kds.orderToKds.everySocket, kds.orderToKds.everySocket.count, "order-to-KDS");
      assert.ok(kds.orderToKds.everySocket.count <= measured * 20);

      const fan = report.scenarios.fanout;
      assert.equal(fan.socketsOpen, 20);
      assert.equal(fan.expectedDeliveries, fan.events * 20);
      assert.equal(fan.delivered + fan.missingDeliveries, fan.expectedDeliveries);
      sane(fan.delivery.fromEventAt, fan.delivery.fromEventAt.count, "fan-out delivery");

      // scale-out: two intakes (a ghz each) and two consumers; each service's processes summed.
      const scale = report.scenarios["scale-out"];
      assert.equal(scale.error, undefined, scale.error);
      assert.deepEqual(scale.servicesAliveAfter, {
        consumer: true,
        intake: true,
        promoter: true,
        hub: true,
        "intake #2": true,
        "consumer #2": true,
      });
      assert.ok(Math.abs(scale.create.sent - 150) <= 30, `scale-out sent ${scale.create.sent}`);
      assert.equal(scale.pipeline.inPostgres, scale.pipeline.accepted);
      const scaleNames = scale.resources.processes.map((p: Any) => p.name);
      for (
        const n of ["intake #2", "consumer #2", "load generator (ghz 1)", "load generator (ghz 2)"]
      ) {
        assert.ok(scaleNames.includes(n), `scale-out tracks ${n}`);
      }
      for (const svc of ["intake", "consumer", "kafka", "redis", "postgres"]) {
        assert.ok(scale.cpu_ms_per_order[svc] > 0, `scale-out: cpu_ms_per_order.${svc}`);
      }
      assert.ok(md.includes("## scale-out"));

      for (const s of ["fixed-rate", "light", "kds-latency", "kds-500", "fanout", "scale-out"]) {
        const names = report.scenarios[s].resources.processes.map((p: Any) => p.name);
        for (const svc of ["intake", "consumer", "promoter", "hub"]) {
          assert.ok(names.includes(svc), `${s}: ${svc}`);
        }
        assert.ok(
          names.some((n: string) => n.startsWith("load generator")),
          `${s}: the load generator's own usage is measured`,
        );
        for (const p of report.scenarios[s].resources.processes) {
          if (["intake", "consumer", "promoter", "hub"].includes(p.name)) {
            assert.ok(p.peakRssMb > 10, `${s}: ${p.name} RSS ${p.peakRssMb}`);
            assert.ok(p.meanCpuPercent >= 0, `${s}: ${p.name} CPU`);
          }
        }
      }
      assert.ok(report.summary.length >= 6);
    } finally {
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
