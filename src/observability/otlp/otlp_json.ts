/**
 * Reading OTLP/HTTP JSON export requests (traces, metrics, logs) into flat
 * records, for the local trace printer and the tests' receiver. Only the
 * fields Ovenline looks at; unknown fields are ignored.
 */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface FlatSpan {
  readonly service: string;
  /** Instrumentation scope: "ovenline" for Ovenline's own spans, Deno's for automatic ones. */
  readonly scope: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Attributes;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string;
}

export interface MetricPoint {
  readonly service: string;
  readonly name: string;
  readonly unit: string;
  readonly type: "sum" | "gauge" | "histogram";
  readonly monotonic: boolean;
  readonly attributes: Attributes;
  readonly timeMs: number;
  /** Sums and gauges. */
  readonly value?: number;
  /** Histograms. */
  readonly count?: number;
  readonly sum?: number;
  readonly bounds?: readonly number[];
  readonly bucketCounts?: readonly number[];
}

export interface FlatLog {
  readonly service: string;
  readonly timeMs: number;
  readonly severity: string;
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Attributes;
}

// deno-lint-ignore no-explicit-any
type Json = any;

function value(v: Json): AttributeValue {
  if (v === undefined || v === null) return "";
  if ("stringValue" in v) return v.stringValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("boolValue" in v) return Boolean(v.boolValue);
  if ("arrayValue" in v) return JSON.stringify((v.arrayValue.values ?? []).map(value));
  return JSON.stringify(v);
}

export function attributesOf(list: Json[] | undefined): Attributes {
  const out: Attributes = {};
  for (const a of list ?? []) out[a.key] = value(a.value);
  return out;
}

function serviceOf(resource: Json): string {
  return String(attributesOf(resource?.attributes)["service.name"] ?? "");
}

/** IDs arrive as hex in OTLP/JSON; a base64 id (protobuf-JSON mapping) is turned into hex. */
function hexId(id: string | undefined): string {
  if (!id) return "";
  if (/^[0-9a-f]*$/i.test(id)) return id.toLowerCase();
  try {
    return [...atob(id)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  } catch {
    return id;
  }
}

const nsToMs = (ns: string | number | undefined) => Number(BigInt(ns ?? 0) / 1000n) / 1000;

export function parseTraces(body: Json): FlatSpan[] {
  const spans: FlatSpan[] = [];
  for (const rs of body?.resourceSpans ?? []) {
    const service = serviceOf(rs.resource);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = String(ss.scope?.name ?? "");
      for (const s of ss.spans ?? []) {
        spans.push({
          service,
          scope,
          traceId: hexId(s.traceId),
          spanId: hexId(s.spanId),
          parentSpanId: hexId(s.parentSpanId),
          name: s.name,
          kind: Number(s.kind ?? 0),
          startMs: nsToMs(s.startTimeUnixNano),
          endMs: nsToMs(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          links: (s.links ?? []).map((l: Json) => ({
            traceId: hexId(l.traceId),
            spanId: hexId(l.spanId),
          })),
          statusCode: Number(s.status?.code ?? 0),
          statusMessage: String(s.status?.message ?? ""),
        });
      }
    }
  }
  return spans;
}

export function parseMetrics(body: Json): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const rm of body?.resourceMetrics ?? []) {
    const service = serviceOf(rm.resource);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const base = { service, name: m.name as string, unit: String(m.unit ?? "") };
        const number = (p: Json) => Number(p.asDouble ?? p.asInt ?? 0);
        if (m.sum) {
          for (const p of m.sum.dataPoints ?? []) {
            points.push({
              ...base,
              type: "sum",
              monotonic: Boolean(m.sum.isMonotonic),
              attributes: attributesOf(p.attributes),
              timeMs: nsToMs(p.timeUnixNano),
              value: number(p),
            });
          }
        } else if (m.gauge) {
          for (const p of m.gauge.dataPoints ?? []) {
            points.push({
              ...base,
              type: "gauge",
              monotonic: false,
              attributes: attributesOf(p.attributes),
              timeMs: nsToMs(p.timeUnixNano),
              value: number(p),
            });
          }
        } else if (m.histogram) {
          for (const p of m.histogram.dataPoints ?? []) {
            points.push({
              ...base,
              type: "histogram",
              monotonic: false,
              attributes: attributesOf(p.attributes),
              timeMs: nsToMs(p.timeUnixNano),
              count: Number(p.count ?? 0),
              sum: Number(p.sum ?? 0),
              bounds: (p.explicitBounds ?? []).map(Number),
              bucketCounts: (p.bucketCounts ?? []).map(Number),
            });
          }
        }
      }
    }
  }
  return points;
}

export function parseLogs(body: Json): FlatLog[] {
  const logs: FlatLog[] = [];
  for (const rl of body?.resourceLogs ?? []) {
    const service = serviceOf(rl.resource);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        logs.push({
          service,
          timeMs: nsToMs(r.timeUnixNano),
          severity: String(r.severityText ?? ""),
          body: String(value(r.body)),
          traceId: hexId(r.traceId),
          spanId: hexId(r.spanId),
          attributes: attributesOf(r.attributes),
        });
      }
    }
  }
  return logs;
}

const UNIT_SUFFIX: Record<string, string> = {
  s: "seconds",
  ms: "milliseconds",
  By: "bytes",
  "%": "percent",
};

/**
 * The name Prometheus gives an OTLP metric (OpenTelemetry's Prometheus
 * compatibility rules, "UnderscoreEscapingWithSuffixes"): non-alphanumerics
 * become underscores, the unit is appended as a word, monotonic sums end in
 * `_total`, unit-1 gauges in `_ratio`; `{annotation}` units add nothing.
 * Histograms are then read as `<name>_bucket`, `_sum`, `_count`.
 */
export function prometheusName(
  metric: {
    readonly name: string;
    readonly unit: string;
    readonly type: string;
    readonly monotonic: boolean;
  },
): string {
  let tokens = metric.name.split(/[^a-zA-Z0-9]+/).filter((t) => t.length > 0);
  const unit = metric.unit.replace(/\{[^}]*\}/g, "").trim();
  const unitWord = UNIT_SUFFIX[unit] ?? (unit === "1" ? "" : unit.replace(/[^a-zA-Z0-9]+/g, "_"));
  if (unitWord && !tokens.includes(unitWord)) tokens.push(unitWord);
  if (metric.type === "sum" && metric.monotonic) {
    tokens = [...tokens.filter((t) => t !== "total"), "total"];
  }
  if (metric.type === "gauge" && unit === "1") {
    tokens = [...tokens.filter((t) => t !== "ratio"), "ratio"];
  }
  return tokens.join("_");
}

/** Every series name Prometheus would store for the metric. */
export function prometheusSeriesNames(
  metric: {
    readonly name: string;
    readonly unit: string;
    readonly type: string;
    readonly monotonic: boolean;
  },
): string[] {
  const name = prometheusName(metric);
  return metric.type === "histogram"
    ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
    : [name];
}
