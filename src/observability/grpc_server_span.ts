/**
 * The SERVER span of a grpc-js call. Deno traces the HTTP/2 stream under
 * grpc-js, but inside the handler the active context is a fresh root: the
 * client's trace is continued here, from the `traceparent` in the call's
 * metadata, and the handler runs inside the span.
 */
import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Metadata } from "@grpc/grpc-js";
import { extractFrom } from "./trace_context.ts";
import { NOT_RECORDED, tracer, tracingOn } from "./tracing.ts";

/** gRPC codes that are the server's fault (OpenTelemetry's rule for server spans). */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : String(value);
}

const UNTRACED = { span: NOT_RECORDED, run: <T>(fn: () => T): T => fn() };

export function startGrpcServerSpan(
  service: string,
  method: string,
  metadata: Metadata,
): { span: Span; run<T>(fn: () => T): T } {
  if (!tracingOn) return UNTRACED;
  const traceparent = first(metadata, "traceparent");
  const parent = traceparent
    ? extractFrom({ traceparent, tracestate: first(metadata, "tracestate") })
    : context.active();
  const span = tracer.startSpan(`${service}/${method}`, {
    kind: SpanKind.SERVER,
    attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method },
  }, parent);
  const ctx = trace.setSpan(parent, span);
  return { span, run: (fn) => context.with(ctx, fn) };
}

/** Ends the span with the call's status code. */
export function endGrpcServerSpan(span: Span, code: number, message?: string): void {
  span.setAttribute("rpc.grpc.status_code", code);
  if (SERVER_ERRORS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}
