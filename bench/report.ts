/** The benchmark's report: machine, versions, figures, ratios; as JSON and as markdown. */
import { SEED, TARGETS } from "../load/scenario.js";
import type { ProcessUsage } from "./proc_sampler.ts";
import type { Resources } from "./scenarios.ts";
import type { LatencySummary } from "./stats.ts";
import { ratio } from "./stats.ts";

export interface Machine {
  readonly nproc: number;
  readonly memoryGb: number;
  readonly cpuModel: string;
  readonly kernel: string;
  /** Processes not part of this run that used ≥ 5 % of a core just before it (noise). */
  readonly backgroundLoad: { pid: number; cpuPercent: number; command: string }[];
  readonly loadAverage: string;
}

export interface Report {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: Machine;
  /** At the start of the run; `dirty`: uncommitted edits to the services' code (src, lua, migrations, proto). */
  readonly git: { commit: string; dirty: boolean; serviceCode?: string };
  readonly versions: Record<string, string>;
  readonly targets: typeof TARGETS;
  readonly seed: typeof SEED;
  readonly scenarios: Record<string, Record<string, unknown>>;
  readonly summary: SummaryRow[];
  readonly notes: string[];
}

export interface SummaryRow {
  readonly metric: string;
  readonly measured: number | null;
  readonly unit: string;
  readonly target: number | null;
  /** ≥ 1 means the target is met (rates: measured/target; latencies, memory: target/measured). */
  readonly vsTarget: number | null;
  readonly seed: number | null;
  /**
   * ≥ 1 means better than the seed, the design Ovenline replaced (docs/architecture.md): rates
   * measured/seed, latencies seed/measured.
   */
  readonly vsSeed: number | null;
  readonly meets: boolean | null;
}

function row(
  metric: string,
  measured: number | null | undefined,
  unit: string,
  target: number | null,
  seed: number | null,
  higherIsBetter: boolean,
  /** Share of the target still counted as met (a fixed rate's throughput: 0.99). */
  tolerance = 1,
): SummaryRow {
  const m = measured ?? null;
  const vsTarget = higherIsBetter ? ratio(m, target) : ratio(target, m);
  const vsSeed = higherIsBetter ? ratio(m, seed) : ratio(seed, m);
  const meets = m === null || target === null
    ? null
    : higherIsBetter
    ? m >= target * tolerance
    : m <= target;
  return { metric, measured: m, unit, target, vsTarget, seed, vsSeed, meets };
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** Scenarios that produced figures (a failed one only has `error`). */
function completed(scenarios: Record<string, Any>): Record<string, Any> {
  return Object.fromEntries(Object.entries(scenarios).filter(([, v]) => !("error" in v)));
}

export function summaryRows(all: Record<string, Any>): SummaryRow[] {
  const scenarios = completed(all);
  const rows: SummaryRow[] = [];
  const max = scenarios["max-rate"];
  if (max) {
    rows.push(row(
      `max sustainable CreateOrder rate (p99 ≤ ${TARGETS.createP99Ms} ms, 0 errors)`,
      max.maxSustainablePerSecond,
      "orders/s",
      TARGETS.createRatePerSecond,
      SEED.ordersPerSecond,
      true,
    ));
    if (max.atMax) {
      rows.push(row(
        `create p99 at that rate`,
        max.atMax.create.latency.p99Ms,
        "ms",
        TARGETS.createP99Ms,
        SEED.createMs,
        false,
      ));
    }
  }
  const fixed = scenarios["fixed-rate"];
  if (fixed) {
    const r = fixed.params.ratePerSecond;
    rows.push(
      row(
        `fixed-rate ${r}/s: throughput (met at ≥ 99 % of the rate)`,
        fixed.create.throughputPerSecond,
        "orders/s",
        r,
        SEED.ordersPerSecond,
        true,
        0.99,
      ),
    );
    rows.push(
      row(
        `fixed-rate ${r}/s: create p99`,
        fixed.create.latency.p99Ms,
        "ms",
        TARGETS.createP99Ms,
        SEED.createMs,
        false,
      ),
    );
    rows.push(row(`fixed-rate ${r}/s: errors`, fixed.create.errorCount, "calls", 0, null, false));
    for (const [svc, target] of Object.entries(TARGETS.cpuMsPerOrder)) {
      rows.push(row(
        `fixed-rate ${r}/s: ${svc} CPU per order`,
        fixed.cpu_ms_per_order?.[svc],
        "ms",
        target,
        null,
        false,
      ));
    }
  }
  const light = scenarios.light;
  if (light) {
    for (const st of light.steps as Any[]) {
      rows.push(row(
        `light ${st.ratePerSecond}/s: create p99`,
        st.create.latency.p99Ms,
        "ms",
        TARGETS.lightCreateP99Ms,
        SEED.createMs,
        false,
      ));
    }
  }
  const kdsRow = (k: Any) =>
    row(
      `order-to-KDS p99 at ${k.params.ratePerSecond}/s, ${k.params.sockets} sockets`,
      k.orderToKds.everySocket.p99Ms,
      "ms",
      TARGETS.orderToKdsP99Ms,
      SEED.orderToKdsMs,
      false,
    );
  const kds = scenarios["kds-latency"];
  if (kds) {
    rows.push(kdsRow(kds));
    rows.push(
      row(
        `orders missing on some KDS socket`,
        kds.accepted - kds.ordersSeenByAllSockets,
        "orders",
        0,
        null,
        false,
      ),
    );
  }
  if (scenarios["kds-500"]) rows.push(kdsRow(scenarios["kds-500"]));
  const fan = scenarios.fanout;
  if (fan) {
    rows.push(row(
      `fan-out delivery p99, ${fan.params.sockets} sockets`,
      fan.delivery.fromEventAt.p99Ms,
      "ms",
      TARGETS.fanoutDeliveryP99Ms,
      null,
      false,
    ));
    rows.push(
      row(`fan-out missing deliveries`, fan.missingDeliveries, "deliveries", 0, null, false),
    );
  }
  // Peak RSS of each service over every scenario.
  const peak = new Map<string, number>();
  for (const s of Object.values(scenarios)) {
    for (const u of (s.resources?.processes ?? []) as ProcessUsage[]) {
      if (!["intake", "consumer", "promoter", "hub"].includes(u.name)) continue;
      peak.set(u.name, Math.max(peak.get(u.name) ?? 0, u.peakRssMb ?? 0));
    }
  }
  for (const [name, mb] of peak) {
    rows.push(row(`${name} peak RSS (all scenarios)`, mb, "MB", TARGETS.serviceRssMb, null, false));
  }
  return rows;
}

const f = (v: unknown, digits = 1): string =>
  v === null || v === undefined
    ? "–"
    : typeof v === "number"
    ? (Number.isInteger(v) ? String(v) : v.toFixed(digits))
    : String(v);

function latencyTable(rows: [string, LatencySummary][]): string[] {
  const out = [
    "| | n | p50 | p90 | p95 | p99 | p99.9 | max |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [label, s] of rows) {
    out.push(
      `| ${label} | ${s.count} | ${f(s.p50Ms, 2)} | ${f(s.p90Ms, 2)} | ${f(s.p95Ms, 2)} | ${
        f(s.p99Ms, 2)
      } | ${f(s.p999Ms, 2)} | ${f(s.maxMs, 2)} |`,
    );
  }
  return out;
}

function resourcesTable(r: Resources | undefined, nproc: number): string[] {
  if (!r) return [];
  const out = [
    `CPU over the ${r.cpuWindowSeconds} s measured window (100 % = one core; the machine has ${nproc}); RSS peak over the whole scenario.`,
    "",
    "| process | peak RSS MB | RSS high-water MB | mean CPU % | peak CPU % (1 s) | share of machine |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const u of r.processes) {
    const share = u.meanCpuPercent === null ? null : u.meanCpuPercent / nproc;
    out.push(
      `| ${u.name} | ${f(u.peakRssMb)} | ${f(u.hwmRssMb)} | ${f(u.meanCpuPercent)} | ${
        f(u.peakCpuPercent)
      } | ${share === null ? "–" : `${share.toFixed(1)} %`} |`,
    );
  }
  const m = r.machine;
  const tracked = r.processes.reduce((sum, u) => sum + (u.meanCpuPercent ?? 0), 0);
  if (m.meanBusyPercent !== null) {
    const other = Math.max(0, m.meanBusyPercent * nproc - tracked);
    out.push(
      `| other processes (not part of the run: noise) | | | ${f(other)} | | ${
        f(other / nproc)
      } % |`,
    );
  }
  out.push(
    `| **whole machine** (busy, all processes) | | | ${
      f(m.meanBusyPercent === null ? null : m.meanBusyPercent * nproc)
    } | ${f(m.peakBusyPercent === null ? null : m.peakBusyPercent * nproc)} | ${
      f(m.meanBusyPercent)
    } % (steal ${f(m.meanStealPercent)} %) |`,
  );
  return out;
}

/** CPU ms per order of each service (`cpu_ms_per_order` of a scenario or step). */
function cpuPerOrderLine(c: Record<string, number | null> | undefined, orders: number): string {
  if (!c || !Object.keys(c).length) return "";
  return `CPU per order (CPU time of the service's processes over the measured window ÷ ${orders} orders answered OK in it): ${
    Object.entries(c).map(([k, v]) => `${k} ${v === null ? "–" : `${v.toFixed(3)} ms`}`).join(", ")
  }.`;
}

/** The per-second timeline in 5-second rows: sums of calls, the worst second's p99 and max. */
function timelineTable(points: Any[] | undefined, warmupSeconds: number): string[] {
  if (!points?.length) return [];
  const out = [
    `Over time (seconds since the first call; the first ${warmupSeconds} s are warm-up). p50: median of the seconds' medians; p99, max: the worst second.`,
    "",
    "| s | sent | OK | errors | p50 | p99 | max |",
    "|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (let i = 0; i < points.length; i += 5) {
    const g = points.slice(i, i + 5);
    const sum = (k: string) => g.reduce((a, p) => a + (p[k] ?? 0), 0);
    const worst = (k: string) => {
      const v = g.map((p) => p[k]).filter((x) => x !== null);
      return v.length ? Math.max(...v) : null;
    };
    const p50s = g.map((p) => p.p50Ms).filter((x) => x !== null).sort((a, b) => a - b);
    out.push(
      `| ${i}–${i + g.length} | ${sum("sent")} | ${sum("ok")} | ${sum("errors")} | ${
        f(p50s.length ? p50s[Math.floor(p50s.length / 2)] : null, 2)
      } | ${f(worst("p99Ms"), 2)} | ${f(worst("maxMs"), 2)} |`,
    );
  }
  return out;
}

function counts(o: Record<string, number> | undefined): string {
  const e = Object.entries(o ?? {});
  return e.length ? e.map(([k, v]) => `${k}: ${v}`).join(", ") : "none";
}

function pipelineLine(p: Any): string {
  if (!p) return "";
  return `Pipeline: consumer lag at load end ${p.lagAtLoadEnd} (max ${p.maxLagDuringLoad}), drained in ${
    (p.drainMs / 1000).toFixed(1)
  } s${p.drained ? "" : " (NOT drained)"}; accepted ${p.accepted}, in PostgreSQL ${p.inPostgres}${
    p.inPostgres === p.accepted
      ? " ✓"
      : p.inPostgres > p.accepted
      ? ` (+${
        p.inPostgres - p.accepted
      }: calls that timed out or failed at the client after intake had made the order durable)`
      : " ✗ FEWER THAN ACCEPTED"
  }.`;
}

export function markdown(rep: Report): string {
  const m = rep.machine;
  const out: string[] = [];
  out.push(`# Ovenline benchmark ${rep.runId}`);
  out.push("");
  out.push(
    `${rep.startedAt} → ${rep.finishedAt} · \`${rep.command}\` · commit ${
      rep.git.commit.slice(0, 10)
    }${rep.git.dirty ? " (+ uncommitted edits to the services' code)" : ""}${
      rep.git.serviceCode ? `, code fingerprint ${rep.git.serviceCode}` : ""
    }`,
  );
  out.push("");
  out.push(
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.kernel}; load average before: ${m.loadAverage}. ` +
      `Versions: ${Object.entries(rep.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`,
  );
  if (m.backgroundLoad.length) {
    out.push("");
    out.push(
      `Background load just before the run (not part of it): ${
        m.backgroundLoad.map((b) => `${b.command} ${b.cpuPercent} %`).join("; ")
      }.`,
    );
  }
  out.push("");
  out.push("## Summary");
  out.push("");
  out.push(
    "Ratios: ≥ 1 is good. Rates: measured ÷ target (or seed); latencies and memory: target (or seed) ÷ measured.",
  );
  out.push("");
  out.push("| metric | measured | target | vs target | seed | vs seed | met |");
  out.push("|---|---:|---:|---:|---:|---:|:---:|");
  for (const r of rep.summary) {
    out.push(
      `| ${r.metric} | ${f(r.measured, 2)} ${r.unit} | ${f(r.target)} | ${f(r.vsTarget, 2)} | ${
        f(r.seed)
      } | ${f(r.vsSeed, 2)} | ${r.meets === null ? "–" : r.meets ? "yes" : "**no**"} |`,
    );
  }
  const s = completed(rep.scenarios);
  const failed = Object.entries(rep.scenarios).filter(([, v]) => "error" in v);
  if (failed.length) {
    out.push("", "## Failed scenarios", "");
    for (const [name, v] of failed) {
      out.push(`- **${name}**: ${String((v as Any).error).split("\n")[0]}`);
    }
  }
  if (s["fixed-rate"]) {
    const x = s["fixed-rate"];
    out.push(
      "",
      `## fixed-rate: ${x.params.ratePerSecond}/s for ${x.params.durationSeconds} s`,
      "",
    );
    out.push(
      `${x.create.tool}, open model. Sent ${x.create.sent}, OK ${x.create.ok}, throughput ${x.create.throughputPerSecond}/s; ` +
        `status: ${counts(x.create.statusCounts)}; errors: ${counts(x.create.errors)}.`,
      "",
    );
    out.push(...latencyTable([["CreateOrder (ms)", x.create.latency]]));
    out.push("", ...timelineTable(x.create.timeline, x.params.warmupSeconds));
    out.push("", pipelineLine(x.pipeline), "");
    out.push(...resourcesTable(x.resources, m.nproc));
    out.push("", cpuPerOrderLine(x.cpu_ms_per_order, x.create.ok));
  }
  if (s["max-rate"]) {
    const x = s["max-rate"];
    out.push("", `## max-rate: ${f(x.maxSustainablePerSecond)} orders/s sustainable`, "");
    out.push(
      `Criterion: ${x.criterion}. Steps of ${x.params.stepSeconds} s (+${x.params.warmupSeconds} s warm-up), each with fresh service processes on a fresh kitchen after the previous backlog drained.`,
      "",
    );
    out.push(
      "| rate/s | result | throughput/s | p50 | p95 | p99 | max | errors | lag at end | drain s | busiest processes (mean CPU %) |",
    );
    out.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const st of x.steps) {
      out.push(
        `| ${st.ratePerSecond} | ${
          st.pass ? "pass" : "**fail**"
        }: ${st.why} | ${st.create.throughputPerSecond} | ${f(st.create.latency.p50Ms, 2)} | ${
          f(st.create.latency.p95Ms, 2)
        } | ${f(st.create.latency.p99Ms, 2)} | ${
          f(st.create.latency.maxMs, 2)
        } | ${st.create.errorCount} | ${st.pipeline.lagAtLoadEnd} | ${
          (st.pipeline.drainMs / 1000).toFixed(1)
        } | ${st.busiest.map((b: Any) => `${b.name} ${f(b.meanCpuPercent)}`).join(", ")} |`,
      );
    }
    if (x.resources) {
      out.push("", "Resources of the best passing step (or the last step if none passed):", "");
      out.push(...resourcesTable(x.resources, m.nproc));
      const best = (x.steps as Any[]).find((st) =>
        st.ratePerSecond === x.maxSustainablePerSecond
      ) ??
        x.steps.at(-1);
      out.push("", cpuPerOrderLine(x.cpu_ms_per_order, best?.create.ok ?? 0));
    }
  }
  if (s.light) {
    const x = s.light;
    out.push(
      "",
      `## light: ${x.params.ratesPerSecond.join(", ")}/s for ${x.params.durationSeconds} s each`,
      "",
    );
    out.push(
      `ghz, open model; fresh services and kitchen per rate. Target: create p99 ≤ ${x.targetCreateP99Ms} ms, 0 errors.`,
      "",
    );
    out.push(...latencyTable(
      (x.steps as Any[]).map((
        st,
      ) => [`CreateOrder at ${st.ratePerSecond}/s (ms)`, st.create.latency]),
    ));
    for (const st of x.steps as Any[]) {
      out.push(
        "",
        `### ${st.ratePerSecond}/s: ${
          st.meetsTarget ? "meets" : "**misses**"
        } the target; sent ${st.create.sent}, OK ${st.create.ok}; errors: ${
          counts(st.create.errors)
        }`,
        "",
      );
      out.push(...timelineTable(st.create.timeline, x.params.warmupSeconds));
      out.push("", pipelineLine(st.pipeline), "");
      out.push(...resourcesTable(st.resources, m.nproc));
      out.push("", cpuPerOrderLine(st.cpu_ms_per_order, st.create.ok));
    }
  }
  for (const name of ["kds-latency", "kds-500"]) {
    const x = s[name];
    if (!x) continue;
    out.push(
      "",
      `## ${name}: ${x.params.ratePerSecond}/s for ${x.params.durationSeconds} s, ${x.params.sockets} KDS sockets`,
      "",
    );
    out.push(
      `From the client-side start of CreateOrder (Deno generator process) to order.visible on a KDS socket (${x.params.listenerProcesses} listener processes). ` +
        `Accepted ${x.accepted}; seen by all ${x.socketsOpen} sockets: ${x.ordersSeenByAllSockets}; missing deliveries ${x.missingDeliveries}; ` +
        `create status: ${counts(x.create.statusCounts)}${
          x.create.errorCount ? `; errors: ${counts(x.create.errors)}` : ""
        }.`,
      "",
    );
    out.push(...latencyTable([
      ["order → KDS, every (order, socket)", x.orderToKds.everySocket],
      ["order → KDS, first socket", x.orderToKds.firstSocket],
      ["order → KDS, last socket", x.orderToKds.lastSocket],
      ...Object.entries(x.orderToKds.stages as Record<string, LatencySummary>).map(
        ([k, v]) => [`stage: ${k}`, v] as [string, LatencySummary],
      ),
      ["CreateOrder seen by the Deno generator", x.create.latency],
    ]));
    out.push("", pipelineLine(x.pipeline), "");
    out.push(...resourcesTable(x.resources, m.nproc));
    out.push("", cpuPerOrderLine(x.cpu_ms_per_order, x.create.ok));
  }
  if (s["scale-out"]) {
    const x = s["scale-out"];
    const one = s["fixed-rate"];
    out.push(
      "",
      `## scale-out: ${x.params.ratePerSecond}/s over ${x.params.intakes} intake and ${x.params.consumers} consumer processes for ${x.params.durationSeconds} s`,
      "",
    );
    out.push(
      `${x.create.tool}, open model, each at an equal share of the rate. Sent ${x.create.sent}, OK ${x.create.ok}, throughput ${x.create.throughputPerSecond}/s; ` +
        `status: ${counts(x.create.statusCounts)}; errors: ${counts(x.create.errors)}.`,
      "",
    );
    out.push(...latencyTable([["CreateOrder (ms)", x.create.latency]]));
    out.push("", pipelineLine(x.pipeline), "");
    out.push(...resourcesTable(x.resources, m.nproc));
    out.push("", cpuPerOrderLine(x.cpu_ms_per_order, x.create.ok));
    if (one?.cpu_ms_per_order && one.params.ratePerSecond === x.params.ratePerSecond) {
      const vs = ["intake", "consumer", "hub"].map((svc) => {
        const a = one.cpu_ms_per_order[svc];
        const b = x.cpu_ms_per_order?.[svc];
        return typeof a === "number" && typeof b === "number" && a > 0
          ? `${svc} ${f(b, 3)} vs ${f(a, 3)} ms (${b >= a ? "+" : ""}${f((b / a - 1) * 100, 0)} %)`
          : `${svc} –`;
      });
      out.push(
        "",
        `Against one process each at the same rate (fixed-rate above), as docs/capacity.md's model assumes equal: ${
          vs.join("; ")
        }.`,
      );
    }
  }
  if (s.fanout) {
    const x = s.fanout;
    out.push(
      "",
      `## fanout: ${x.params.sockets} KDS sockets, ${x.params.ratePerSecond} orders/s for ${x.params.durationSeconds} s`,
      "",
    );
    out.push(
      `${x.socketsOpen}/${x.socketsRequested} sockets open in ${x.params.listenerProcesses} listener processes; ` +
        `events ${x.events}; deliveries ${x.delivered}/${x.expectedDeliveries}; missing ${x.missingDeliveries}; ` +
        `sockets that missed any ${x.socketsMissingAny}; close codes: ${
          counts(
            (x.listeners as Any[]).reduce((acc: Record<string, number>, l: Any) => {
              for (const [k, v] of Object.entries(l.closeCodes as Record<string, number>)) {
                acc[k] = (acc[k] ?? 0) + v;
              }
              return acc;
            }, {}),
          )
        } (closes before the end of the run; reports before 20261126T1410Z also counted the listeners' own closes at the end, as 1005).`,
      "",
    );
    out.push(...latencyTable([
      ["event `at` → receipt", x.delivery.fromEventAt],
      ["order createdAt → receipt", x.delivery.fromOrderCreatedAt],
    ]));
    out.push("", pipelineLine(x.pipeline), "");
    out.push(...resourcesTable(x.resources, m.nproc));
  }
  if (rep.notes.length) {
    out.push("", "## Notes", "");
    for (const n of rep.notes) out.push(`- ${n}`);
  }
  return out.join("\n") + "\n";
}
