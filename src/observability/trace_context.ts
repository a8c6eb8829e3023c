/**
 * W3C trace context in and out of the places Ovenline carries it: Kafka
 * record headers, gRPC metadata, Redis stream entries and the order's
 * reservation hash (a bare `traceparent` string).
 */
import {
  type Context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  trace,
  TraceFlags,
} from "@opentelemetry/api";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Writes the context's `traceparent` (and `tracestate`) into `carrier`. */
export function injectInto(carrier: Record<string, string>, ctx: Context): void {
  propagation.inject(ctx, carrier);
}

/** The context a carrier (headers, metadata as strings) continues; ROOT_CONTEXT when it has none. */
export function extractFrom(carrier: Readonly<Record<string, string | undefined>>): Context {
  if (!carrier.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The span's `traceparent`, or "" when it is not sampled (nothing would continue it). */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  if (!span.isRecording() || (sc.traceFlags & TraceFlags.SAMPLED) === 0) return "";
  return `00-${sc.traceId}-${sc.spanId}-01`;
}

/** A sampled `traceparent` as a remote parent context, or undefined (absent, malformed, unsampled). */
export function contextOfTraceparent(traceparent: string | undefined): Context | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m || (parseInt(m[3], 16) & TraceFlags.SAMPLED) === 0) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[1],
    spanId: m[2],
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** A link to the span a `traceparent` names (e.g. an order's creation), or undefined. */
export function linkToTraceparent(traceparent: string | undefined): Link | undefined {
  const ctx = contextOfTraceparent(traceparent);
  const spanContext = ctx && trace.getSpanContext(ctx);
  return spanContext ? { context: spanContext } : undefined;
}
