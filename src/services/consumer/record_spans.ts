/**
 * The consumer's spans around its PostgreSQL transaction. Records of one
 * batch share a transaction: its span is a child of the first record's
 * process span and links to the others', so each order's trace reaches it.
 */
import { type Context, context, type Link, type Span, SpanKind, trace } from "@opentelemetry/api";
import type { RawRecord } from "../../adapters/kafka/batch_consumer.ts";
import { failSpan, tracer } from "../../observability/tracing.ts";

export type RecordSpans = Map<RawRecord, { readonly span: Span; readonly context: Context }>;

export async function inTransactionSpan<T>(
  spans: RecordSpans,
  records: readonly RawRecord[],
  fn: () => Promise<T>,
): Promise<T> {
  const [first, ...rest] = records.map((r) => spans.get(r));
  const parent = first?.context ?? context.active();
  const links: Link[] = rest.flatMap((t) => (t ? [{ context: t.span.spanContext() }] : []));
  const span = tracer.startSpan("postgresql transaction", {
    kind: SpanKind.CLIENT,
    links,
    attributes: {
      "db.system": "postgresql",
      "db.system.name": "postgresql",
      "db.operation.name": "TRANSACTION",
      "db.operation.batch.size": records.length,
      "ovenline.db.isolation": "serializable",
    },
  }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}
