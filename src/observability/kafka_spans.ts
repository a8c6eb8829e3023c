/**
 * Kafka spans with the OpenTelemetry messaging semantic conventions: one
 * PRODUCER span per record sent (its context travels in the record's
 * `traceparent` header) and one CONSUMER "process" span per record handled,
 * a child of the producer span through that header.
 */
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import { extractFrom, injectInto } from "./trace_context.ts";
import { NOT_RECORDED, tracer, tracingOn } from "./tracing.ts";

export interface ProducedRecord {
  readonly topic: string;
  readonly key: string;
  readonly messageId?: string;
  readonly clientId?: string;
  /** Ovenline's event kind ("placed", "status_change"). */
  readonly eventKind?: string;
}

/**
 * Starts the PRODUCER span of one record (a child of the active context) and
 * writes its `traceparent` into `headers`. The caller ends the span at the ack.
 */
export function startProducerSpan(record: ProducedRecord, headers: Record<string, string>): Span {
  if (!tracingOn) return NOT_RECORDED;
  const parent = context.active();
  const span = tracer.startSpan(`send ${record.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      "messaging.system": "kafka",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": record.topic,
      "messaging.kafka.message.key": record.key,
      ...(record.messageId ? { "messaging.message.id": record.messageId } : {}),
      ...(record.clientId ? { "messaging.client.id": record.clientId } : {}),
      ...(record.eventKind ? { "ovenline.event.kind": record.eventKind } : {}),
      "ovenline.order.id": record.key,
    },
  }, parent);
  injectInto(headers, trace.setSpan(parent, span));
  return span;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Starts the CONSUMER "process" span of one record, continuing the trace in its headers. */
export function startProcessSpan(
  record: ConsumedRecord,
  consumer: { readonly groupId: string; readonly clientId?: string },
): { span: Span; context: Context } {
  if (!tracingOn) return { span: NOT_RECORDED, context: ROOT_CONTEXT };
  const parent = extractFrom(record.headers);
  const span = tracer.startSpan(`process ${record.topic}`, {
    kind: SpanKind.CONSUMER,
    attributes: {
      "messaging.system": "kafka",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": record.topic,
      "messaging.destination.partition.id": String(record.partition),
      "messaging.consumer.group.name": consumer.groupId,
      "messaging.kafka.offset": Number(record.offset),
      ...(record.key !== null
        ? { "messaging.kafka.message.key": record.key, "ovenline.order.id": record.key }
        : {}),
      ...(consumer.clientId ? { "messaging.client.id": consumer.clientId } : {}),
    },
  }, parent);
  return { span, context: trace.setSpan(parent, span) };
}
