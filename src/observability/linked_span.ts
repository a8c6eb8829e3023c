/**
 * Spans for what happens to an order after its creation trace (status
 * changes, cancellations): a span of the current trace, LINKED to the
 * order's creation trace, whose traceparent the consumer keeps on the
 * order's reservation. The extra read happens only for a sampled span.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import { linkToTraceparent } from "./trace_context.ts";
import { failSpan, isSampled, tracer } from "./tracing.ts";

export async function inOrderLinkedSpan<T>(
  name: string,
  orderId: string,
  originOf: (orderId: string) => Promise<string | undefined>,
  attributes: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = context.active();
  const span = tracer.startSpan(name, {
    kind: SpanKind.INTERNAL,
    attributes: { "ovenline.order.id": orderId, ...attributes },
  }, parent);
  try {
    if (isSampled(span)) {
      const link = linkToTraceparent(await originOf(orderId).catch(() => undefined));
      if (link) span.addLink(link);
    }
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}
