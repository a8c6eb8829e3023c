/**
 * The compiled gRPC load tool: ghz (Go), installed from the Go module proxy
 * into .tools/ghz, driving CreateOrder at a constant arrival rate.
 *
 * Open model: `--async` sends each call at its tick without waiting for
 * earlier answers, so a slow intake shows up as latency, never as a lower
 * sending rate (no coordinated omission). Every call's latency is kept
 * (ghz's `details`), and the percentiles are computed here from all of them.
 */
import { SCENARIO } from "../load/scenario.js";
import { type LatencySummary, Samples, summarize } from "./stats.ts";

export const GHZ_VERSION = "v0.120.0";
const ROOT = new URL("../", import.meta.url).pathname;
export const GHZ_BIN = `${ROOT}.tools/ghz/ghz`;

/** Installs ghz into .tools/ghz unless it is there (needs `go`; minutes on a cold cache). */
export async function ensureGhz(): Promise<string> {
  try {
    await Deno.stat(GHZ_BIN);
    return GHZ_BIN;
  } catch { /* install */ }
  console.error(`bench: installing ghz ${GHZ_VERSION} into .tools/ghz (go install)`);
  const out = await new Deno.Command("go", {
    args: ["install", `github.com/bojand/ghz/cmd/ghz@${GHZ_VERSION}`],
    env: { GOBIN: `${ROOT}.tools/ghz`, GOFLAGS: "-buildvcs=false" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`go install ghz failed:\n${new TextDecoder().decode(out.stderr).slice(-3000)}`);
  }
  return GHZ_BIN;
}

export async function ghzVersion(): Promise<string> {
  const out = await new Deno.Command(GHZ_BIN, {
    args: ["--version"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return new TextDecoder().decode(out.stdout).trim() || GHZ_VERSION;
}

export interface GhzRun {
  readonly target: string;
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** Sent at the same rate before the measured window; excluded from the figures. */
  readonly warmupSeconds: number;
  readonly kitchenId: string;
  /** First distinct customer number of this run (customer id and phone derive from it). */
  readonly customerBase: number;
  readonly connections?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  /** Where ghz writes its JSON report. */
  readonly outFile: string;
  /** Called with the pid once ghz runs (to sample its CPU). */
  readonly onStart?: (pid: number) => void;
}

export interface CreateLoadResult {
  readonly tool: string;
  readonly targetRatePerSecond: number;
  readonly measuredSeconds: number;
  readonly warmupSeconds: number;
  /** Calls started in the measured window. */
  readonly sent: number;
  readonly ok: number;
  /** Successful answers per second over the measured window. */
  readonly throughputPerSecond: number;
  /** Latency of the successful calls in the measured window. */
  readonly latency: LatencySummary;
  /** Status code → count, every call of the measured window. */
  readonly statusCounts: Record<string, number>;
  /** Error message (first 200 chars) → count. */
  readonly errors: Record<string, number>;
  readonly errorCount: number;
  /** Per second from the first call (warm-up included): calls started, answers, latency of the OK ones. */
  readonly timeline: TimelinePoint[];
  /** Wall-clock start and end (ms since the epoch) of the whole ghz run. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export interface TimelinePoint {
  /** Seconds since the first call started. */
  readonly s: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** The CreateOrder JSON template: ghz fills in distinct customers, phones and idempotency keys. */
export function requestTemplate(kitchenId: string, customerBase: number): string {
  const r = SCENARIO.request;
  // Go template actions run over the raw text before JSON parsing; backquoted
  // strings keep the JSON valid.
  const fields = [
    `"customerId":"{{add ${1_000_000 + customerBase} .RequestNumber}}"`,
    `"pizzaName":${JSON.stringify(r.pizzaName)}`,
    `"quantity":${r.quantity}`,
    `"customerFirstName":${JSON.stringify(r.customerFirstName)}`,
    `"customerLastName":${JSON.stringify(r.customerLastName)}`,
    `"customerPhone":"+79{{printf \`%09d\` (mod (add ${customerBase} .RequestNumber) 1000000000)}}"`,
    `"deliveryAddress":${JSON.stringify(r.deliveryAddress)}`,
    `"isPickup":${r.isPickup}`,
    `"kitchenId":${JSON.stringify(kitchenId)}`,
    `"idempotencyKey":"{{newUUID}}"`,
  ];
  return `{${fields.join(",")}}`;
}

export function ghzArgs(run: GhzRun): string[] {
  const g = SCENARIO.grpc;
  return [
    "--insecure",
    "--proto",
    "proto/ovenline/v1/order_service.proto",
    "--import-paths",
    "proto,/usr/include",
    "--call",
    "ovenline.v1.OrderService.CreateOrder",
    "--data",
    requestTemplate(run.kitchenId, run.customerBase),
    "--async",
    "--rps",
    String(Math.round(run.ratePerSecond)),
    "--duration",
    `${run.warmupSeconds + run.durationSeconds}s`,
    "--duration-stop",
    "wait",
    "--concurrency",
    String(run.concurrency ?? g.concurrency),
    "--connections",
    String(run.connections ?? g.connections),
    "--timeout",
    `${run.timeoutMs ?? g.timeoutMs}ms`,
    "--format",
    "json",
    "--output",
    run.outFile,
    run.target,
  ];
}

interface GhzDetail {
  timestamp: string;
  latency: number; // ns
  error: string;
  status: string;
}

export async function runGhz(run: GhzRun): Promise<CreateLoadResult> {
  const { calls, startedAtMs, endedAtMs } = await runGhzCalls(run);
  return summarizeCalls(calls, { ...run, tool: `ghz ${GHZ_VERSION}`, startedAtMs, endedAtMs });
}

/** One ghz run's call records, unsummarized (several runs at once are summarized together). */
export async function runGhzCalls(
  run: GhzRun,
): Promise<{ calls: CallRecord[]; startedAtMs: number; endedAtMs: number; tool: string }> {
  const startedAtMs = Date.now();
  const child = new Deno.Command(GHZ_BIN, {
    args: ghzArgs(run),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  run.onStart?.(child.pid);
  const out = await child.output();
  const endedAtMs = Date.now();
  if (!out.success) {
    throw new Error(
      `ghz failed (${out.code}): ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  const report = JSON.parse(await Deno.readTextFile(run.outFile)) as { details?: GhzDetail[] };
  const calls = (report.details ?? []).map((d) => {
    const end = Date.parse(d.timestamp) + nanosFraction(d.timestamp);
    const latencyMs = d.latency / 1e6;
    return { startMs: end - latencyMs, latencyMs, status: statusName(d.status), error: d.error };
  });
  return { calls, startedAtMs, endedAtMs, tool: `ghz ${GHZ_VERSION}` };
}

/** ghz's Go status names ("DeadlineExceeded") as gRPC's canonical ones ("DEADLINE_EXCEEDED"). */
function statusName(s: string): string {
  return s === "OK" ? s : s.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Sub-millisecond part of an RFC 3339 timestamp with nanoseconds (Date.parse keeps only ms). */
function nanosFraction(ts: string): number {
  const m = /\.(\d+)/.exec(ts);
  if (!m || m[1].length <= 3) return 0;
  return Number(`0.${m[1].slice(3)}`);
}

export interface CallRecord {
  readonly startMs: number;
  readonly latencyMs: number;
  /** "OK" or a gRPC status name. */
  readonly status: string;
  readonly error?: string;
}

/** Figures of a constant-rate run from every call's record; the first `warmupSeconds` are left out. */
export function summarizeCalls(
  calls: readonly CallRecord[],
  run: {
    tool: string;
    ratePerSecond: number;
    durationSeconds: number;
    warmupSeconds: number;
    startedAtMs: number;
    endedAtMs: number;
  },
): CreateLoadResult {
  let first = Infinity;
  for (const c of calls) first = Math.min(first, c.startMs);
  const windowStart = first + run.warmupSeconds * 1000;
  const windowEnd = windowStart + run.durationSeconds * 1000;
  const ok = new Samples();
  const statusCounts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let sent = 0;
  let errorCount = 0;
  for (const c of calls) {
    if (c.startMs < windowStart || c.startMs >= windowEnd) continue;
    sent++;
    statusCounts[c.status] = (statusCounts[c.status] ?? 0) + 1;
    if (c.status === "OK") {
      ok.push(c.latencyMs);
    } else {
      errorCount++;
      const key = `${c.status}: ${(c.error ?? "").slice(0, 200)}`;
      errors[key] = (errors[key] ?? 0) + 1;
    }
  }
  const buckets: { sent: number; errors: number; ok: Samples }[] = [];
  for (const c of calls) {
    const i = Math.max(0, Math.floor((c.startMs - first) / 1000));
    buckets[i] ??= { sent: 0, errors: 0, ok: new Samples() };
    buckets[i].sent++;
    if (c.status === "OK") buckets[i].ok.push(c.latencyMs);
    else buckets[i].errors++;
  }
  const timeline: TimelinePoint[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] ?? { sent: 0, errors: 0, ok: new Samples() };
    const l = summarize(b.ok.values());
    timeline.push({
      s: i,
      sent: b.sent,
      ok: b.ok.length,
      errors: b.errors,
      p50Ms: l.p50Ms,
      p99Ms: l.p99Ms,
      maxMs: l.maxMs,
    });
  }
  return {
    tool: run.tool,
    targetRatePerSecond: run.ratePerSecond,
    measuredSeconds: run.durationSeconds,
    warmupSeconds: run.warmupSeconds,
    sent,
    ok: ok.length,
    throughputPerSecond: Math.round((ok.length / run.durationSeconds) * 10) / 10,
    latency: summarize(ok.values()),
    statusCounts,
    errors,
    errorCount,
    timeline,
    startedAtMs: run.startedAtMs,
    endedAtMs: run.endedAtMs,
  };
}
