/**
 * `deno task otel:print`: a local OTLP/HTTP JSON receiver that prints each
 * trace as an indented tree once it has been quiet for a moment, so a
 * developer can watch one order go from CreateOrder to the KDS. Start it,
 * then the services with OTEL=print (scripts/services.sh), and place an order.
 *
 *   --port N       listen on N (default 4318, OTLP/HTTP's port)
 *   --grep TEXT    only the trace with id TEXT, or traces with a span attribute containing
 *                  TEXT (an order id)
 *   --all          also traces without Ovenline spans (health probes, page loads)
 *   --metrics      also print the metrics Deno exports (its runtime metrics; Ovenline's
 *                  own are served at each service's /metrics, METRICS_PORT)
 *   --quiet-ms N   print a trace N ms after its last span arrived (default 1500)
 */
import { parseArgs } from "node:util";
import { type FlatSpan, parseMetrics, parseTraces, prometheusName } from "../otlp/otlp_json.ts";
import { traceTree } from "../otlp/trace_tree.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "4318" },
    grep: { type: "string" },
    all: { type: "boolean", default: false },
    metrics: { type: "boolean", default: false },
    "quiet-ms": { type: "string", default: "1500" },
  },
});
const quietMs = Number(values["quiet-ms"]);
const pending = new Map<string, { spans: FlatSpan[]; timer?: ReturnType<typeof setTimeout> }>();
let warnedProtobuf = false;

function interesting(spans: readonly FlatSpan[]): boolean {
  if (!values.all && !spans.some((s) => s.scope === "ovenline")) return false;
  const grep = values.grep;
  return !grep ||
    spans.some((s) =>
      s.traceId === grep || Object.values(s.attributes).some((v) => String(v).includes(grep))
    );
}

function flush(traceId: string): void {
  const entry = pending.get(traceId);
  pending.delete(traceId);
  if (!entry || !interesting(entry.spans)) return;
  const start = Math.min(...entry.spans.map((s) => s.startMs));
  const end = Math.max(...entry.spans.map((s) => s.endMs));
  console.log(
    `\ntrace ${traceId}  ${entry.spans.length} spans  ${(end - start).toFixed(1)} ms  ${
      new Date(start).toISOString()
    }`,
  );
  for (const line of traceTree(entry.spans)) console.log(`  ${line}`);
}

function collect(spans: readonly FlatSpan[]): void {
  for (const span of spans) {
    let entry = pending.get(span.traceId);
    if (entry) clearTimeout(entry.timer);
    else entry = { spans: [] };
    entry.spans.push(span);
    entry.timer = setTimeout(() => flush(span.traceId), quietMs);
    pending.set(span.traceId, entry);
  }
}

function printMetrics(body: unknown): void {
  for (const p of parseMetrics(body)) {
    const labels = Object.entries(p.attributes).map(([k, v]) => `${k}="${v}"`).join(",");
    const value = p.type === "histogram"
      ? `count=${p.count} sum=${p.sum?.toFixed(4)}`
      : String(p.value);
    console.log(`metric [${p.service}] ${prometheusName(p)}{${labels}} ${value}`);
  }
}

Deno.serve({
  port: Number(values.port),
  hostname: "127.0.0.1",
  onListen: ({ port }) =>
    console.error(
      `OTLP/HTTP JSON receiver on http://127.0.0.1:${port} — start the services with ` +
        `OTEL=print bash scripts/services.sh start`,
    ),
}, async (req) => {
  const path = new URL(req.url).pathname;
  if (!(req.headers.get("content-type") ?? "").includes("json")) {
    if (!warnedProtobuf) {
      console.error("got a non-JSON export: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json");
      warnedProtobuf = true;
    }
    await req.body?.cancel();
    return new Response("only OTLP/HTTP JSON is understood here", { status: 415 });
  }
  const body = await req.json().catch(() => undefined);
  if (path === "/v1/traces") collect(parseTraces(body));
  else if (path === "/v1/metrics" && values.metrics) printMetrics(body);
  return Response.json({});
});
