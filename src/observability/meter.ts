/**
 * Ovenline's meter: an OpenTelemetry metrics SDK of its own, read by Prometheus. Each service
 * serves what it recorded at /metrics on METRICS_PORT (metrics_server.ts), in Prometheus' text
 * format, under the names of metric_names.ts (the alert rules' and the dashboard's). Deno's
 * built-in OpenTelemetry (OTEL_DENO=true) keeps exporting traces, logs and its own runtime
 * metrics over OTLP; it owns the API's global meter provider, so this one is used directly.
 *
 * Counters and histograms record whether or not anything scrapes; the observable gauges (Kafka
 * offsets, Redis loads) are computed only when /metrics is read.
 */
import type { Histogram } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { LATENCY_BUCKETS_S, METRICS, type MetricSpec } from "./metric_names.ts";

const reader = new PrometheusExporter({
  preventServerStart: true,
  withoutScopeInfo: true,
  withoutTargetInfo: true,
});

const provider = new MeterProvider({
  readers: [reader],
  // Each instrument under its Prometheus name (the serializer adds no unit suffix of its own).
  views: Object.values(METRICS).map((m: MetricSpec) => ({
    instrumentName: m.name,
    name: m.prometheus,
  })),
});

export const meter = provider.getMeter("ovenline");

/** A histogram in seconds with Ovenline's latency buckets. */
export function secondsHistogram(spec: MetricSpec, buckets = LATENCY_BUCKETS_S): Histogram {
  return meter.createHistogram(spec.name, {
    unit: spec.unit,
    description: spec.description,
    advice: { explicitBucketBoundaries: buckets },
  });
}

const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);

/** Everything recorded so far, observable gauges computed now, in Prometheus' text format. */
export async function prometheusText(): Promise<string> {
  const { resourceMetrics } = await reader.collect();
  return serializer.serialize(resourceMetrics);
}
