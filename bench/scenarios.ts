/**
 * The four scenarios. Each returns plain JSON-able figures; report.ts turns
 * them into the markdown table.
 */
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { SCENARIO, TARGETS } from "../load/scenario.js";
import { Child } from "./child.ts";
import {
  type CallRecord,
  type CreateLoadResult,
  runGhz,
  runGhzCalls,
  summarizeCalls,
} from "./ghz.ts";
import {
  type MachineUsage,
  pidFromFile,
  processTree,
  type ProcessUsage,
  ProcSampler,
} from "./proc_sampler.ts";
import { type BenchStack, ROOT, SERVICES } from "./stack.ts";
import { Samples, summarize } from "./stats.ts";

export const SCENARIO_NAMES = [
  "fixed-rate",
  "max-rate",
  "light",
  "kds-latency",
  "kds-500",
  "fanout",
  "scale-out",
] as const;
export type ScenarioName = typeof SCENARIO_NAMES[number];

/** Parameters of one run after command-line overrides. */
export interface BenchParams {
  fixedRate: { ratePerSecond: number; durationSeconds: number; warmupSeconds: number };
  maxRate: {
    startPerSecond: number;
    stepSeconds: number;
    warmupSeconds: number;
    growthFactor: number;
    resolutionPerSecond: number;
    maxSteps: number;
    ceilingPerSecond: number;
  };
  kdsLatency: {
    ratePerSecond: number;
    durationSeconds: number;
    warmupSeconds: number;
    sockets: number;
    listenerProcesses: number;
  };
  fanout: {
    sockets: number;
    listenerProcesses: number;
    ratePerSecond: number;
    durationSeconds: number;
    warmupSeconds: number;
  };
  light: { ratesPerSecond: number[]; durationSeconds: number; warmupSeconds: number };
  kds500: BenchParams["kdsLatency"];
  scaleOut: {
    ratePerSecond: number;
    durationSeconds: number;
    warmupSeconds: number;
    intakes: number;
    consumers: number;
  };
}

export function defaultParams(): BenchParams {
  return {
    fixedRate: { ...SCENARIO.fixedRate },
    maxRate: { ...SCENARIO.maxRate, warmupSeconds: SCENARIO.fixedRate.warmupSeconds },
    kdsLatency: { ...SCENARIO.kdsLatency },
    fanout: { ...SCENARIO.fanout },
    light: { ...SCENARIO.light, ratesPerSecond: [...SCENARIO.light.ratesPerSecond] },
    kds500: { ...SCENARIO.kds500 },
    scaleOut: { ...SCENARIO.scaleOut },
  };
}

/**
 * CPU ms per order of each service: CPU time of its processes over the measured window divided by
 * the orders answered OK in that window (null when the window has no sample or no order).
 */
export function cpuMsPerOrder(r: Resources, orders: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, name] of MEASURED_PROCESSES) {
    // A service's extra processes (`intake #2`) count with it: the cost of an order, wherever.
    const all = r.processes.filter((p) => p.name === name || p.name.startsWith(`${name} #`));
    if (all.length === 0) continue;
    const seconds = all.reduce<number | null>(
      (sum, p) => sum === null || p.cpuSeconds === null ? null : sum + p.cpuSeconds,
      0,
    );
    out[key] = seconds === null || orders <= 0
      ? null
      : Math.round((seconds * 1000 / orders) * 1000) / 1000;
  }
  return out;
}

/** `cpu_ms_per_order` keys and the sampler's process names they read. */
const MEASURED_PROCESSES: readonly [string, string][] = [
  ...SERVICES.map((s) => [s, s] as [string, string]),
  ["kafka", "kafka (infra)"],
  ["redis", "redis (infra)"],
  ["postgres", "postgres (infra, all backends)"],
];

export interface Resources {
  /** CPU figures cover the measured load window; RSS peaks the whole scenario (load and drain). */
  readonly cpuWindowSeconds: number;
  readonly processes: ProcessUsage[];
  readonly machine: MachineUsage;
  /** CPU (% of one core) used by processes this run does not track: other work on the machine. */
  readonly otherProcessesMeanCpuPercent: number | null;
}

export interface PipelineCheck {
  /** Kafka records not yet applied by the consumer when the load stopped. */
  readonly lagAtLoadEnd: number;
  readonly maxLagDuringLoad: number;
  /** From the end of the load until the consumer had applied everything. */
  readonly drainMs: number;
  readonly drained: boolean;
  /** Orders the load tool saw accepted vs. orders of the kitchen in PostgreSQL afterwards. */
  readonly accepted: number;
  readonly inPostgres: number;
}

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly params: Record<string, unknown>;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly servicesAliveAfter: Record<string, boolean>;
  readonly resources?: Resources;
  readonly [k: string]: unknown;
}

export class Context {
  #customerNext = 0;
  readonly sampler = new ProcSampler(200);

  constructor(
    readonly stack: BenchStack,
    readonly params: BenchParams,
    readonly workDir: string,
  ) {}

  /** A range of customer numbers no other load of this run uses (ids and phones stay distinct). */
  customers(n: number): number {
    const base = this.#customerNext;
    this.#customerNext += Math.ceil(n * 1.2) + 1000;
    return base;
  }

  /** Tracks the services, the infrastructure and this harness. */
  trackBase(): void {
    for (const [name, pid] of Object.entries(this.stack.pids())) this.sampler.track(name, pid!);
    const infra = `${ROOT}.infra`;
    const kafka = pidFromFile(`${infra}/kafka/kafka.pid`);
    if (kafka) this.sampler.track("kafka (infra)", kafka);
    const redis = pidFromFile(`${infra}/redis/redis.pid`);
    if (redis) this.sampler.track("redis (infra)", redis);
    const postmaster = pidFromFile(`${infra}/postgres/data/postmaster.pid`);
    if (postmaster) {
      // The postmaster and every backend (all databases: other tests' backends count too).
      let cached: number[] = [];
      let age = 0;
      this.sampler.track("postgres (infra, all backends)", () => {
        if (age++ % 10 === 0) cached = processTree(postmaster);
        return cached;
      });
    }
    this.sampler.track("bench harness", Deno.pid);
  }

  resources(cpuFrom: number, cpuTo: number, rssFrom: number, rssTo: number): Resources {
    const cpu = this.sampler.usage(cpuFrom, cpuTo);
    const rss = new Map(this.sampler.usage(rssFrom, rssTo).map((u) => [u.name, u]));
    const machine = this.sampler.machine(cpuFrom, cpuTo);
    const tracked = cpu.reduce((sum, u) => sum + (u.meanCpuPercent ?? 0), 0);
    const cores = navigator.hardwareConcurrency;
    return {
      cpuWindowSeconds: Math.round((cpuTo - cpuFrom) / 100) / 10,
      processes: cpu.map((u) => ({ ...u, peakRssMb: rss.get(u.name)?.peakRssMb ?? u.peakRssMb })),
      machine,
      otherProcessesMeanCpuPercent: machine.meanBusyPercent === null
        ? null
        : Math.round(Math.max(0, machine.meanBusyPercent * cores - tracked) * 10) / 10,
    };
  }
}

/** Samples the consumer lag every second while `during` runs. */
async function withLagWatch<T>(
  stack: BenchStack,
  during: Promise<T>,
): Promise<{ value: T; maxLag: number }> {
  let maxLag = 0;
  let done = false;
  const watcher = (async () => {
    while (!done) {
      maxLag = Math.max(maxLag, await stack.consumerLag().catch(() => 0));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    return { value: await during, maxLag };
  } finally {
    done = true;
    await watcher;
  }
}

async function pipelineAfter(
  ctx: Context,
  kitchen: KitchenConfig,
  accepted: number,
  maxLag: number,
): Promise<PipelineCheck> {
  const lagAtLoadEnd = await ctx.stack.consumerLag();
  const d = await ctx.stack.drain();
  return {
    lagAtLoadEnd,
    maxLagDuringLoad: Math.max(maxLag, lagAtLoadEnd),
    drainMs: d.drainMs,
    drained: d.drained,
    accepted,
    inPostgres: await ctx.stack.orderCount(kitchen.id),
  };
}

function log(msg: string): void {
  console.error(`bench ${new Date().toISOString().slice(11, 19)} ${msg}`);
}

/** One constant-rate ghz run against a fresh kitchen, its figures and the pipeline's state after it. */
async function ghzStep(
  ctx: Context,
  label: string,
  rate: number,
  durationSeconds: number,
  warmupSeconds: number,
): Promise<
  {
    create: CreateLoadResult;
    pipeline: PipelineCheck;
    resources: Resources;
    acceptedAll: number;
    cpuMsPerOrder: Record<string, number | null>;
  }
> {
  const kitchen = await ctx.stack.newKitchen(label);
  await ctx.stack.awaitKitchen(kitchen.id);
  const outFile = `${ctx.workDir}/ghz-${kitchen.id}.json`;
  const t0 = ctx.sampler.mark();
  let measuredFrom = t0;
  const warmTimer = setTimeout(() => (measuredFrom = ctx.sampler.mark()), warmupSeconds * 1000);
  const { value: create, maxLag } = await withLagWatch(
    ctx.stack,
    runGhz({
      target: ctx.stack.grpcTarget,
      ratePerSecond: rate,
      durationSeconds,
      warmupSeconds,
      kitchenId: kitchen.id,
      customerBase: ctx.customers(rate * (durationSeconds + warmupSeconds)),
      outFile,
      onStart: (pid) => ctx.sampler.track("load generator (ghz)", pid),
    }),
  );
  clearTimeout(warmTimer);
  const loadEnd = ctx.sampler.mark();
  // Every accepted order, warm-up included, must reach PostgreSQL.
  const report = JSON.parse(await Deno.readTextFile(outFile)) as {
    statusCodeDistribution?: Record<string, number>;
  };
  const acceptedAll = report.statusCodeDistribution?.OK ?? 0;
  const pipeline = await pipelineAfter(ctx, kitchen, acceptedAll, maxLag);
  const end = ctx.sampler.mark();
  const resources = ctx.resources(measuredFrom, loadEnd, t0, end);
  ctx.sampler.untrack("load generator (ghz)");
  await Deno.remove(outFile).catch(() => {});
  return {
    create,
    pipeline,
    resources,
    acceptedAll,
    cpuMsPerOrder: cpuMsPerOrder(resources, create.ok),
  };
}

export async function fixedRate(ctx: Context): Promise<Record<string, unknown>> {
  const p = ctx.params.fixedRate;
  log(
    `fixed-rate: ${p.ratePerSecond}/s for ${p.durationSeconds} s (+${p.warmupSeconds} s warm-up)`,
  );
  const step = await ghzStep(ctx, "fixed", p.ratePerSecond, p.durationSeconds, p.warmupSeconds);
  log(
    `fixed-rate: ${step.create.throughputPerSecond}/s ok, p99 ${step.create.latency.p99Ms} ms, ` +
      `${step.create.errorCount} errors; drain ${step.pipeline.drainMs} ms`,
  );
  return {
    params: p,
    create: step.create,
    pipeline: step.pipeline,
    resources: step.resources,
    cpu_ms_per_order: step.cpuMsPerOrder,
  };
}

/**
 * Light load: each rate of `light.ratesPerSecond` in turn, fresh service processes and a fresh
 * kitchen per rate. `cpu_ms_per_order` is the first rate's; each step has its own.
 */
export async function light(ctx: Context): Promise<Record<string, unknown>> {
  const p = ctx.params.light;
  const steps = [];
  for (const [i, rate] of p.ratesPerSecond.entries()) {
    if (i > 0) {
      await ctx.stack.stopServices();
      await ctx.stack.startServices();
      ctx.trackBase();
    }
    log(`light: ${rate}/s for ${p.durationSeconds} s (+${p.warmupSeconds} s warm-up)`);
    const s = await ghzStep(ctx, `light${rate}`, rate, p.durationSeconds, p.warmupSeconds);
    const p99 = s.create.latency.p99Ms;
    log(`light ${rate}/s: p99 ${p99} ms, ${s.create.errorCount} errors`);
    steps.push({
      ratePerSecond: rate,
      meetsTarget: p99 !== null && p99 <= TARGETS.lightCreateP99Ms && s.create.errorCount === 0,
      create: s.create,
      pipeline: s.pipeline,
      resources: s.resources,
      cpu_ms_per_order: s.cpuMsPerOrder,
    });
  }
  return {
    params: p,
    targetCreateP99Ms: TARGETS.lightCreateP99Ms,
    steps,
    cpu_ms_per_order: steps[0]?.cpu_ms_per_order ?? {},
    resources: steps[0]?.resources,
  };
}

export interface MaxRateStep {
  readonly ratePerSecond: number;
  readonly pass: boolean;
  readonly why: string;
  readonly create: CreateLoadResult;
  readonly pipeline: PipelineCheck;
  readonly busiest: { name: string; meanCpuPercent: number | null }[];
  readonly cpu_ms_per_order: Record<string, number | null>;
}

export async function maxRate(ctx: Context): Promise<Record<string, unknown>> {
  const p = ctx.params.maxRate;
  const steps: (MaxRateStep & { resources: Resources })[] = [];
  let rate = p.startPerSecond;
  let lastPass: number | undefined;
  let firstFail: number | undefined;
  for (let i = 0; i < p.maxSteps; i++) {
    if (i > 0) {
      // Fresh service processes per step: an overloaded intake keeps working on calls its
      // clients gave up on (and keeps the memory they took), which would weigh on the next step.
      await ctx.stack.stopServices();
      await ctx.stack.startServices();
      ctx.trackBase();
    }
    log(`max-rate step ${i + 1}: ${rate}/s for ${p.stepSeconds} s`);
    const s = await ghzStep(ctx, `max${i + 1}`, rate, p.stepSeconds, p.warmupSeconds);
    const p99 = s.create.latency.p99Ms;
    const reasons: string[] = [];
    if (s.create.errorCount > 0) reasons.push(`${s.create.errorCount} errors`);
    if (p99 === null || p99 > TARGETS.createP99Ms) {
      reasons.push(`p99 ${p99} ms > ${TARGETS.createP99Ms} ms`);
    }
    if (s.create.throughputPerSecond < rate * 0.97) {
      reasons.push(`throughput ${s.create.throughputPerSecond}/s < 97 % of ${rate}/s`);
    }
    const pass = reasons.length === 0;
    steps.push({
      ratePerSecond: rate,
      pass,
      why: pass ? `p99 ${p99} ms, 0 errors` : reasons.join("; "),
      create: s.create,
      pipeline: s.pipeline,
      resources: s.resources,
      cpu_ms_per_order: s.cpuMsPerOrder,
      busiest: s.resources.processes
        .filter((u) => u.meanCpuPercent !== null)
        .sort((a, b) => b.meanCpuPercent! - a.meanCpuPercent!)
        .slice(0, 4)
        .map((u) => ({ name: u.name, meanCpuPercent: u.meanCpuPercent })),
    });
    log(`max-rate step ${i + 1}: ${pass ? "pass" : "FAIL"} (${steps.at(-1)!.why})`);
    if (pass) lastPass = Math.max(lastPass ?? 0, rate);
    else firstFail = Math.min(firstFail ?? Infinity, rate);
    let next: number;
    if (firstFail === undefined) next = Math.min(p.ceilingPerSecond, rate * p.growthFactor);
    else if (lastPass === undefined) next = rate / p.growthFactor;
    else next = (lastPass + firstFail) / 2;
    next = Math.max(50, Math.round(next / 50) * 50);
    if (
      lastPass !== undefined && firstFail !== undefined &&
      firstFail - lastPass <= p.resolutionPerSecond
    ) break;
    if (next === rate || (firstFail === undefined && rate >= p.ceilingPerSecond)) break;
    if (lastPass === undefined && rate <= 50) break;
    rate = next;
  }
  log(`max-rate: ${lastPass ?? "none"}/s sustainable (first failing rate ${firstFail ?? "none"})`);
  const best = steps.filter((s) => s.pass && s.ratePerSecond === lastPass).at(-1);
  return {
    params: p,
    maxSustainablePerSecond: lastPass ?? null,
    firstFailingPerSecond: firstFail ?? null,
    criterion: `create p99 ≤ ${TARGETS.createP99Ms} ms, zero errors, throughput ≥ 97 % of the rate`,
    atMax: best ? { create: best.create, pipeline: best.pipeline } : null,
    steps: steps.map(({ resources: _r, ...s }) => s),
    resources: best?.resources ?? steps.at(-1)?.resources,
    cpu_ms_per_order: (best ?? steps.at(-1))?.cpu_ms_per_order ?? {},
  };
}

interface GeneratedOrder {
  readonly n: number;
  readonly startMs: number;
  readonly latencyMs: number | null;
  readonly status: string;
  readonly orderId: string | null;
  readonly error?: string;
}

async function readGenerated(path: string): Promise<GeneratedOrder[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter(Boolean).map((l) => {
    const [n, startMs, latencyMs, status, orderId, error] = JSON.parse(l);
    return { n, startMs, latencyMs, status, orderId, error };
  });
}

interface ListenerFile {
  readonly head: {
    sockets: number;
    open: number;
    openFailures: number;
    closedEarly: number;
    closeCodes: Record<string, number>;
    duplicates: number;
    unparsed: number;
    typeCounts: Record<string, number>;
  };
  /** order id → [event at, createdAt, receipt per socket (null: none)] */
  readonly orders: Map<string, [number, number, (number | null)[]]>;
}

async function readListener(path: string): Promise<ListenerFile> {
  const lines = (await Deno.readTextFile(path)).split("\n").filter(Boolean);
  const orders = new Map<string, [number, number, (number | null)[]]>();
  for (const l of lines.slice(1)) {
    const [id, at, createdAt, t] = JSON.parse(l);
    orders.set(id, [at, createdAt, t]);
  }
  return { head: JSON.parse(lines[0]), orders };
}

/**
 * Orders from a Deno generator process while listener processes hold KDS
 * sockets; returns the generator's records and each listener's file.
 */
async function generatorWithListeners(
  ctx: Context,
  label: string,
  o: {
    ratePerSecond: number;
    durationSeconds: number;
    warmupSeconds: number;
    sockets: number;
    listenerProcesses: number;
  },
) {
  const kitchen = await ctx.stack.newKitchen(label);
  await ctx.stack.awaitKitchen(kitchen.id);
  const procs = Math.max(1, Math.min(o.listenerProcesses, o.sockets));
  const listeners: Child[] = [];
  const files: string[] = [];
  const t0 = ctx.sampler.mark();
  for (let i = 0; i < procs; i++) {
    const n = Math.floor(o.sockets / procs) + (i < o.sockets % procs ? 1 : 0);
    const file = `${ctx.workDir}/${kitchen.id}-listener-${i}.ndjson`;
    files.push(file);
    listeners.push(
      new Child(`listener-${i}`, "bench/kds_listener.ts", [
        "--url",
        ctx.stack.kdsUrl(kitchen.id),
        "--token",
        ctx.stack.kitchenToken,
        "--sockets",
        String(n),
        "--out",
        file,
      ]),
    );
  }
  ctx.sampler.track("KDS listeners", () => listeners.map((l) => l.pid));
  const ready = await Promise.all(
    listeners.map((l) =>
      l.waitFor<{ open: number; failed: number; openMs: number }>("ready", 120_000)
    ),
  );
  const opened = ready.reduce((s, r) => s + r.open, 0);
  log(`${label}: ${opened}/${o.sockets} KDS sockets open in ${procs} listener processes`);
  const genFile = `${ctx.workDir}/${kitchen.id}-orders.ndjson`;
  const total = Math.round(o.ratePerSecond * (o.durationSeconds + o.warmupSeconds));
  const gen = new Child("generator", "bench/order_generator.ts", [
    "--target",
    ctx.stack.grpcTarget,
    "--kitchen",
    kitchen.id,
    "--rate",
    String(o.ratePerSecond),
    "--duration",
    String(o.durationSeconds),
    "--warmup",
    String(o.warmupSeconds),
    "--customer-base",
    String(ctx.customers(total)),
    "--timeout-ms",
    String(SCENARIO.grpc.timeoutMs),
    "--out",
    genFile,
  ]);
  ctx.sampler.track("load generator (deno)", gen.pid);
  await gen.waitFor("ready", 60_000);
  const loadStart = ctx.sampler.mark();
  await gen.send("go");
  let measuredFrom = loadStart;
  const warmTimer = setTimeout(() => (measuredFrom = ctx.sampler.mark()), o.warmupSeconds * 1000);
  const { value: genDone, maxLag } = await withLagWatch(
    ctx.stack,
    gen.waitFor<{ sent: number; answered: number; sendSeconds: number; maxBehindMs: number }>(
      "done",
      (o.durationSeconds + o.warmupSeconds) * 1000 + SCENARIO.grpc.timeoutMs + 60_000,
    ),
  );
  clearTimeout(warmTimer);
  const loadEnd = ctx.sampler.mark();
  await gen.status;
  const generated = await readGenerated(genFile);
  const accepted = generated.filter((g) => g.status === "OK").length;
  const pipeline = await pipelineAfter(ctx, kitchen, accepted, maxLag);
  // Events leave the consumer before its offset commit; a moment more for the last deliveries.
  await new Promise((r) => setTimeout(r, 2000));
  await Promise.all(listeners.map((l) => l.send("stop")));
  const done = await Promise.all(listeners.map((l) => l.waitFor("done", 120_000)));
  await Promise.all(listeners.map((l) => l.status));
  const end = ctx.sampler.mark();
  const resources = ctx.resources(measuredFrom, loadEnd, t0, end);
  ctx.sampler.untrack("KDS listeners");
  ctx.sampler.untrack("load generator (deno)");
  const listenerFiles = await Promise.all(files.map(readListener));
  for (const f of [...files, genFile]) await Deno.remove(f).catch(() => {});
  const warmupCount = Math.round(o.ratePerSecond * o.warmupSeconds);
  const calls: CallRecord[] = generated
    .filter((g) => g.latencyMs !== null)
    .map((g) => ({
      startMs: g.startMs,
      latencyMs: g.latencyMs!,
      status: g.status,
      error: g.error,
    }));
  const create = summarizeCalls(calls, {
    tool: "bench/order_generator.ts (Deno, grpc-js)",
    ratePerSecond: o.ratePerSecond,
    durationSeconds: o.durationSeconds,
    warmupSeconds: o.warmupSeconds,
    startedAtMs: 0,
    endedAtMs: 0,
  });
  return {
    kitchen,
    generated,
    warmupCount,
    listenerFiles,
    opened,
    ready,
    done,
    genDone,
    pipeline,
    resources,
    create,
  };
}

export function kdsLatency(ctx: Context): Promise<Record<string, unknown>> {
  return orderToKds(ctx, "kds-latency", ctx.params.kdsLatency);
}

export function kds500(ctx: Context): Promise<Record<string, unknown>> {
  return orderToKds(ctx, "kds-500", ctx.params.kds500);
}

async function orderToKds(
  ctx: Context,
  name: string,
  p: BenchParams["kdsLatency"],
): Promise<Record<string, unknown>> {
  log(`${name}: ${p.ratePerSecond}/s for ${p.durationSeconds} s with ${p.sockets} KDS sockets`);
  const r = await generatorWithListeners(ctx, name === "kds-latency" ? "kds" : name, p);
  const start = new Map<string, number>();
  for (const g of r.generated) {
    if (g.status === "OK" && g.orderId && g.n >= r.warmupCount) start.set(g.orderId, g.startMs);
  }
  const acceptedIds = new Set(
    r.generated.filter((g) => g.status === "OK" && g.orderId).map((g) => g.orderId!),
  );
  const every = new Samples();
  const first = new Samples();
  const last = new Samples();
  const intake = new Samples(); // start → createdAt (intake's acceptance stamp)
  const pipelineStage = new Samples(); // createdAt → at (Kafka, consumer, Redis)
  const hubStage = new Samples(); // at → first receipt (stream read, fan-out, socket)
  const seenBy = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  const meta = new Map<string, [number, number]>();
  for (const f of r.listenerFiles) {
    for (const [id, [at, createdAt, ts]] of f.orders) {
      if (!acceptedIds.has(id)) continue;
      meta.set(id, [at, createdAt]);
      let n = 0;
      for (const t of ts) {
        if (t === null) continue;
        n++;
        firstSeen.set(id, Math.min(firstSeen.get(id) ?? Infinity, t));
        lastSeen.set(id, Math.max(lastSeen.get(id) ?? -Infinity, t));
        const s = start.get(id);
        if (s !== undefined) every.push(t - s);
      }
      seenBy.set(id, (seenBy.get(id) ?? 0) + n);
    }
  }
  for (const [id, s] of start) {
    const f = firstSeen.get(id);
    if (f === undefined) continue;
    first.push(f - s);
    last.push(lastSeen.get(id)! - s);
    const [at, createdAt] = meta.get(id)!;
    intake.push(createdAt - s);
    pipelineStage.push(at - createdAt);
    hubStage.push(f - at);
  }
  let seenByAll = 0;
  let missing = 0;
  for (const id of acceptedIds) {
    const n = seenBy.get(id) ?? 0;
    if (n >= r.opened) seenByAll++;
    missing += Math.max(0, r.opened - n);
  }
  const result = {
    params: p,
    create: r.create,
    orderToKds: {
      description:
        "client-side start of CreateOrder → order.visible received, every (order, socket) pair",
      everySocket: summarize(every.values()),
      firstSocket: summarize(first.values()),
      lastSocket: summarize(last.values()),
      stages: {
        "start → createdAt (intake accepts; ms-precision stamp)": summarize(intake.values()),
        "createdAt → event at (Kafka, consumer, PostgreSQL, Redis)": summarize(
          pipelineStage.values(),
        ),
        "event at → first socket (hub: stream read, fan-out, send)": summarize(hubStage.values()),
      },
    },
    accepted: acceptedIds.size,
    socketsOpen: r.opened,
    ordersSeenByAllSockets: seenByAll,
    missingDeliveries: missing,
    listeners: r.listenerFiles.map((f) => f.head),
    generator: r.genDone,
    pipeline: r.pipeline,
    resources: r.resources,
    cpu_ms_per_order: cpuMsPerOrder(r.resources, r.create.ok),
  };
  log(
    `${name}: p99 ${result.orderToKds.everySocket.p99Ms} ms; ` +
      `${seenByAll}/${acceptedIds.size} orders on all ${r.opened} sockets`,
  );
  return result;
}

export async function fanout(ctx: Context): Promise<Record<string, unknown>> {
  const p = ctx.params.fanout;
  log(`fanout: ${p.sockets} KDS sockets, ${p.ratePerSecond} orders/s for ${p.durationSeconds} s`);
  const r = await generatorWithListeners(ctx, "fanout", p);
  const measured = new Set<string>();
  const acceptedIds = new Set<string>();
  for (const g of r.generated) {
    if (g.status !== "OK" || !g.orderId) continue;
    acceptedIds.add(g.orderId);
    if (g.n >= r.warmupCount) measured.add(g.orderId);
  }
  const fromAt = new Samples();
  const fromCreated = new Samples();
  let delivered = 0;
  let expected = 0;
  let socketsMissingAny = 0;
  let ordersSeenByAll = 0;
  const seenBy = new Map<string, number>();
  for (const f of r.listenerFiles) {
    const missingPerSocket = new Uint32Array(f.head.sockets);
    for (const id of acceptedIds) {
      const rec = f.orders.get(id);
      for (let i = 0; i < f.head.sockets; i++) {
        const t = rec?.[2][i] ?? null;
        if (t === null) {
          missingPerSocket[i]++;
          continue;
        }
        delivered++;
        seenBy.set(id, (seenBy.get(id) ?? 0) + 1);
        if (measured.has(id)) {
          fromAt.push(t - rec![0]);
          fromCreated.push(t - rec![1]);
        }
      }
    }
    expected += acceptedIds.size * f.head.sockets;
    socketsMissingAny += missingPerSocket.filter((m) => m > 0).length;
  }
  for (const id of acceptedIds) if ((seenBy.get(id) ?? 0) >= p.sockets) ordersSeenByAll++;
  const result = {
    params: p,
    delivery: {
      description: "event `at` (consumer's stamp, ms) → receipt, every (event, socket) pair",
      fromEventAt: summarize(fromAt.values()),
      fromOrderCreatedAt: summarize(fromCreated.values()),
    },
    events: acceptedIds.size,
    socketsRequested: p.sockets,
    socketsOpen: r.opened,
    expectedDeliveries: acceptedIds.size * p.sockets,
    delivered,
    missingDeliveries: acceptedIds.size * p.sockets - delivered,
    /** Sockets that missed at least one event (a socket that never opened missed them all). */
    socketsMissingAny: socketsMissingAny + (p.sockets - expected / Math.max(1, acceptedIds.size)),
    ordersSeenByAllSockets: ordersSeenByAll,
    listeners: r.listenerFiles.map((f) => f.head),
    create: r.create,
    generator: r.genDone,
    pipeline: r.pipeline,
    resources: r.resources,
    cpu_ms_per_order: cpuMsPerOrder(r.resources, r.create.ok),
  };
  log(
    `fanout: delivery p99 ${result.delivery.fromEventAt.p99Ms} ms; ` +
      `${result.missingDeliveries} missing of ${acceptedIds.size * p.sockets}`,
  );
  return result;
}

export const RUNNERS: Record<ScenarioName, (ctx: Context) => Promise<Record<string, unknown>>> = {
  "fixed-rate": fixedRate,
  "max-rate": maxRate,
  light,
  "kds-latency": kdsLatency,
  "kds-500": kds500,
  fanout,
  "scale-out": scaleOut,
};

export { SERVICES };

/**
 * fixedRate's load over `intakes` intake processes (one ghz each at an equal share of the rate)
 * and `consumers` consumer processes in one group. Its `cpu_ms_per_order` sums each service's
 * processes; docs/capacity.md compares it with the one-process figure at the same total rate.
 */
async function scaleOut(ctx: Context): Promise<Record<string, unknown>> {
  const p = ctx.params.scaleOut;
  log(`scale-out: ${p.ratePerSecond}/s over ${p.intakes} intakes and ${p.consumers} consumers`);
  const extra = [
    ...Array.from({ length: p.intakes - 1 }, (_, i) => ["intake", i + 2] as const),
    ...Array.from({ length: p.consumers - 1 }, (_, i) => ["consumer", i + 2] as const),
  ];
  for (const [service, n] of extra) {
    const label = await ctx.stack.startReplica(service, n);
    ctx.sampler.track(label, ctx.stack.pids()[label]);
  }
  const kitchen = await ctx.stack.newKitchen("scale-out");
  await ctx.stack.awaitKitchen(kitchen.id);
  const share = p.ratePerSecond / p.intakes;
  const t0 = ctx.sampler.mark();
  let measuredFrom = t0;
  const warmTimer = setTimeout(() => (measuredFrom = ctx.sampler.mark()), p.warmupSeconds * 1000);
  const outFiles = Array.from(
    { length: p.intakes },
    (_, i) => `${ctx.workDir}/ghz-scale-${i}.json`,
  );
  const { value: runs, maxLag } = await withLagWatch(
    ctx.stack,
    Promise.all(outFiles.map((outFile, i) =>
      runGhzCalls({
        target: ctx.stack.grpcTargetOf(i + 1),
        ratePerSecond: share,
        durationSeconds: p.durationSeconds,
        warmupSeconds: p.warmupSeconds,
        kitchenId: kitchen.id,
        customerBase: ctx.customers(share * (p.durationSeconds + p.warmupSeconds)),
        outFile,
        onStart: (pid) => ctx.sampler.track(`load generator (ghz ${i + 1})`, pid),
      })
    )),
  );
  clearTimeout(warmTimer);
  const loadEnd = ctx.sampler.mark();
  const calls = runs.flatMap((r) => r.calls);
  const create = summarizeCalls(calls, {
    tool: `${runs[0].tool} ×${p.intakes}`,
    ratePerSecond: p.ratePerSecond,
    durationSeconds: p.durationSeconds,
    warmupSeconds: p.warmupSeconds,
    startedAtMs: Math.min(...runs.map((r) => r.startedAtMs)),
    endedAtMs: Math.max(...runs.map((r) => r.endedAtMs)),
  });
  const acceptedAll = calls.filter((c) => c.status === "OK").length;
  const pipeline = await pipelineAfter(ctx, kitchen, acceptedAll, maxLag);
  const resources = ctx.resources(measuredFrom, loadEnd, t0, ctx.sampler.mark());
  for (let i = 0; i < p.intakes; i++) ctx.sampler.untrack(`load generator (ghz ${i + 1})`);
  for (const f of outFiles) await Deno.remove(f).catch(() => {});
  log(
    `scale-out: ${create.throughputPerSecond}/s ok, p99 ${create.latency.p99Ms} ms, ` +
      `${create.errorCount} errors; drain ${pipeline.drainMs} ms`,
  );
  return {
    params: p,
    create,
    pipeline,
    resources,
    cpu_ms_per_order: cpuMsPerOrder(resources, create.ok),
  };
}
