/** CLIENT spans for Ovenline's Redis Lua scripts (reserve_slot, apply_order, promote_due, ...). */
import type { Attributes, Context, Link, Span } from "@opentelemetry/api";
import { context, SpanKind } from "@opentelemetry/api";
import { NOT_RECORDED, tracer, tracingOn } from "./tracing.ts";

function attributes(script: string, extra?: Attributes): Attributes {
  return {
    "db.system": "redis",
    "db.system.name": "redis",
    "db.operation.name": "EVALSHA",
    "db.stored_procedure.name": script,
    ...extra,
  };
}

/** Starts the span of one script call; the caller ends it. */
export function startScriptSpan(
  script: string,
  parent?: Context,
  extra?: Attributes,
): Span {
  // Off, no context carries a trace (no propagator, no context manager): nothing to continue.
  if (!tracingOn) return NOT_RECORDED;
  return tracer.startSpan(`redis ${script}`, {
    kind: SpanKind.CLIENT,
    attributes: attributes(script, extra),
  }, parent ?? context.active());
}

/**
 * Records a script call after the fact (from `startMs` to now), for calls
 * worth a span only by what they returned (a promotion tick that moved orders).
 */
export function recordScriptSpan(
  script: string,
  startMs: number,
  links: readonly Link[],
  extra?: Attributes,
): Span {
  const span = tracer.startSpan(`redis ${script}`, {
    kind: SpanKind.CLIENT,
    startTime: startMs,
    links: [...links],
    attributes: attributes(script, extra),
    root: true,
  });
  span.end();
  return span;
}
