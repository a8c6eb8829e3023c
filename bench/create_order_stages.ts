/**
 * Where CreateOrder calls spend their time, from intake's own traces: an OTLP/HTTP JSON receiver
 * that collects the spans of a bench run started with `--otlp intake=PORT`, then splits every call
 * into its child spans (the Redis reservation, the Kafka send) and the time around them (before
 * the first, between, after the last: intake's own work and its waits for the event loop).
 *
 *   deno task bench --only light --light-rates 200 --no-latest --otlp intake=4319 &
 *   deno run -A bench/create_order_stages.ts --port 4319 --seconds 40 [--skip-seconds 5]
 *
 * It reports the calls' percentiles, each segment's median and p99, what the slowest 1 % spent in
 * each segment and which segment was the largest in each of them, and the moments when several
 * calls were slow together (stalls of the whole process line up there).
 */
import { parseArgs } from "node:util";
import { type FlatSpan, parseTraces } from "../src/observability/otlp/otlp_json.ts";
import { percentile } from "./stats.ts";

export interface CallStages {
  readonly startMs: number;
  readonly totalMs: number;
  /** Segment name → ms: the child spans, and the gaps before, between and after them. */
  readonly segments: ReadonlyMap<string, number>;
}

const isCreateOrder = (s: FlatSpan) => s.kind === 2 && s.name.endsWith("/CreateOrder");
// A Kafka send span is named after its topic, which differs between runs.
const segmentName = (s: FlatSpan) => s.name.startsWith("send ") ? "kafka send" : s.name;

/** Each CreateOrder server span with its direct children laid end to end. */
export function callStages(spans: readonly FlatSpan[]): CallStages[] {
  const children = new Map<string, FlatSpan[]>();
  for (const s of spans) {
    if (!s.parentSpanId) continue;
    const siblings = children.get(s.parentSpanId);
    if (siblings) siblings.push(s);
    else children.set(s.parentSpanId, [s]);
  }
  return spans.filter(isCreateOrder).map((call) => {
    const segments = new Map<string, number>();
    const add = (name: string, ms: number) => segments.set(name, (segments.get(name) ?? 0) + ms);
    let at = call.startMs;
    let before = "start";
    for (const child of (children.get(call.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      const name = segmentName(child);
      add(`${before} → ${name}`, Math.max(0, child.startMs - at));
      add(name, child.endMs - child.startMs);
      at = Math.max(at, child.endMs);
      before = name;
    }
    add(`${before} → answer`, Math.max(0, call.endMs - at));
    return { startMs: call.startMs, totalMs: call.endMs - call.startMs, segments };
  }).sort((a, b) => a.startMs - b.startMs);
}

/** Slow calls that started within `gapMs` of each other: [s since the first call, worst ms]. */
export function stalls(calls: readonly CallStages[], slowMs: number, gapMs = 300): number[][] {
  const t0 = calls[0]?.startMs ?? 0;
  const out: number[][] = [];
  let lastStart = -Infinity;
  for (const c of calls) {
    if (c.totalMs < slowMs) continue;
    const current = out.at(-1);
    if (current && c.startMs - lastStart < gapMs) current[1] = Math.max(current[1], c.totalMs);
    else out.push([(c.startMs - t0) / 1000, c.totalMs]);
    lastStart = c.startMs;
  }
  return out;
}

export function report(calls: readonly CallStages[], slowMs: number): string {
  if (!calls.length) return "no CreateOrder spans received";
  const ms = (v: number) => v.toFixed(2);
  const pct = (sorted: number[], p: number) => percentile(sorted, p) ?? 0;
  const totals = calls.map((c) => c.totalMs).sort((a, b) => a - b);
  const names = [...new Set(calls.flatMap((c) => [...c.segments.keys()]))];
  const of = (cs: readonly CallStages[], name: string) =>
    cs.map((c) => c.segments.get(name) ?? 0).sort((a, b) => a - b);
  const slowest = [...calls].sort((a, b) => b.totalMs - a.totalMs).slice(
    0,
    Math.max(1, Math.round(calls.length / 100)),
  );
  const largest = new Map<string, number>();
  for (const c of slowest) {
    const [name] = [...c.segments].sort((a, b) => b[1] - a[1])[0];
    largest.set(name, (largest.get(name) ?? 0) + 1);
  }
  return [
    `${calls.length} CreateOrder calls (server side): p50 ${ms(pct(totals, 50))} ms, ` +
    `p90 ${ms(pct(totals, 90))}, p99 ${ms(pct(totals, 99))}, ` +
    `max ${ms(totals.at(-1)!)}`,
    "",
    `| segment | median ms | p99 ms | slowest 1 % (${slowest.length}): median ms | largest in |`,
    "|---|---:|---:|---:|---:|",
    ...names.map((n) =>
      `| ${n} | ${ms(pct(of(calls, n), 50))} | ${ms(pct(of(calls, n), 99))} | ` +
      `${ms(pct(of(slowest, n), 50))} | ${largest.get(n) ?? 0} |`
    ),
    "",
    `Calls over ${slowMs} ms, grouped when they started within 0.3 s of each other ` +
    `(s since the first call: worst ms):`,
    stalls(calls, slowMs).map(([s, worst]) => `${s.toFixed(2)}: ${worst.toFixed(0)}`).join(", "),
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4319" },
      seconds: { type: "string", default: "40" },
      "skip-seconds": { type: "string", default: "5" },
      "slow-ms": { type: "string", default: "20" },
    },
  });
  const spans: FlatSpan[] = [];
  const stop = new AbortController();
  const server = Deno.serve(
    { port: Number(values.port), hostname: "127.0.0.1", signal: stop.signal, onListen() {} },
    async (req) => {
      if (new URL(req.url).pathname === "/v1/traces") spans.push(...parseTraces(await req.json()));
      else await req.body?.cancel();
      return Response.json({});
    },
  );
  console.error(`collecting spans on 127.0.0.1:${values.port} for ${values.seconds} s`);
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  stop.abort();
  await server.finished;
  const all = callStages(spans);
  const from = (all[0]?.startMs ?? 0) + Number(values["skip-seconds"]) * 1000;
  console.log(report(all.filter((c) => c.startMs >= from), Number(values["slow-ms"])));
}
