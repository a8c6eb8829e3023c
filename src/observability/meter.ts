/**
 * Ovenline's meter. Backed by Deno's OTLP metrics exporter when OTEL_DENO=true
 * (every OTEL_METRIC_EXPORT_INTERVAL ms, cumulative); a no-op otherwise, so
 * recording costs nothing measurable and observable callbacks never run.
 */
import { type Histogram, metrics } from "@opentelemetry/api";
import { LATENCY_BUCKETS_S, type MetricSpec } from "./metric_names.ts";

export const meter = metrics.getMeter("ovenline");

/** A histogram in seconds with Ovenline's latency buckets. */
export function secondsHistogram(spec: MetricSpec, buckets = LATENCY_BUCKETS_S): Histogram {
  return meter.createHistogram(spec.name, {
    unit: spec.unit,
    description: spec.description,
    advice: { explicitBucketBoundaries: buckets },
  });
}
