/**
 * The hub's spans: one per event broadcast (a child of the span that wrote
 * the stream entry, through its `traceparent` field) and one per WebSocket
 * the event is written to (a child of the broadcast). Nothing is started for
 * an entry without a sampled traceparent or with tracing off in the hub.
 */
import { type Context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { contextOfTraceparent } from "./trace_context.ts";
import { isSampled, tracer } from "./tracing.ts";

export interface BroadcastEntry {
  readonly id: string;
  readonly type: string;
  readonly kitchenId: string;
  readonly orderId?: string;
  readonly traceparent?: string;
}

export function startBroadcastSpan(
  entry: BroadcastEntry,
): { readonly span: Span; readonly context: Context } | undefined {
  const parent = contextOfTraceparent(entry.traceparent);
  if (!parent) return undefined;
  const span = tracer.startSpan(`hub broadcast ${entry.type}`, {
    kind: SpanKind.INTERNAL,
    attributes: {
      "ovenline.event.type": entry.type,
      "ovenline.event.id": entry.id,
      "ovenline.kitchen.id": entry.kitchenId,
      ...(entry.orderId ? { "ovenline.order.id": entry.orderId } : {}),
    },
  }, parent);
  if (!isSampled(span)) return undefined;
  return { span, context: trace.setSpan(parent, span) };
}

/** The span of writing one event to one WebSocket; the caller ends it. */
export function startDeliverySpan(parent: Context, channel: string, eventType: string): Span {
  return tracer.startSpan(`ws deliver ${channel}`, {
    kind: SpanKind.PRODUCER,
    attributes: { "ovenline.ws.channel": channel, "ovenline.event.type": eventType },
  }, parent);
}
