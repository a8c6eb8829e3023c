/**
 * Ovenline's tracer and the helpers every span site shares. Spans come from
 * `@opentelemetry/api`, which Deno's built-in OpenTelemetry backs when
 * OTEL_DENO=true; otherwise the API is a no-op and a span costs next to
 * nothing. Work that exists only for a trace (extra reads, per-socket spans)
 * is guarded by `isSampled()`.
 */
import { TRACING_ON } from "./config.ts";
import {
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";

export const tracer = trace.getTracer("ovenline");

/**
 * Whether Deno exports traces (OTEL_DENO, read once). Off, the span sites on the per-order path
 * skip even the no-op API's work (contexts, attribute objects): it was ~2 % of intake's CPU.
 */
export const tracingOn = TRACING_ON;

/** A span that records nothing, shared by every site while tracing is off. */
export const NOT_RECORDED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** True when the span is recorded and exported (tracing on and the trace sampled). */
export function isSampled(span: Span | undefined): span is Span {
  return span !== undefined && span.isRecording() &&
    (span.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

/** Marks the span failed with the error's message and type (no stack: no personal data). */
export function failSpan(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute("error.type", error instanceof Error ? error.name : typeof error);
}
