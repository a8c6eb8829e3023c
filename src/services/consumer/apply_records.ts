/**
 * What the consumer does with one batch of records from a partition: decode,
 * apply to PostgreSQL (one transaction), project into Redis and publish the
 * events. Records that can never apply go to the dead-letter topic; anything
 * transient throws, and the batch is retried without committing.
 */
import { type Context, context, ROOT_CONTEXT, SpanStatusCode } from "@opentelemetry/api";
import { sqlState } from "../../adapters/postgres/pool.ts";
import type { EventOutcome } from "../../adapters/postgres/order_store.ts";
import type { RawRecord } from "../../adapters/kafka/batch_consumer.ts";
import {
  decodeOrderEvent,
  UndecodableEventError,
} from "../../adapters/protobuf/order_event_codec.ts";
import type { Order } from "../../domain/order.ts";
import type { OrderEvent } from "../../domain/order_event.ts";
import type { Clock } from "../../domain/ports.ts";
import { startProcessSpan } from "../../observability/kafka_spans.ts";
import { failSpan } from "../../observability/tracing.ts";
import type { Logger } from "../../observability/logger.ts";
import { inTransactionSpan, type RecordSpans } from "./record_spans.ts";

export interface ApplyDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: { applyBatch(events: readonly OrderEvent[]): Promise<EventOutcome[]> };
  readonly projection: {
    project(orders: readonly Order[], now: Date, parents?: readonly Context[]): Promise<unknown>;
  };
  readonly deadLetters: { send(record: RawRecord, reason: string, at: Date): Promise<void> };
  /** Resolves once Redis holds PostgreSQL's live state (restoring it if it was lost). */
  readonly ensureLiveState: () => Promise<void>;
  /** Creates missing monthly partitions (an order dated into a month not yet created). */
  readonly ensurePartitions: (at: Date) => Promise<void>;
  readonly onDeadLetter?: (reason: string) => void;
  /** The consumer group (and client id) named on the records' process spans. */
  readonly messaging?: { readonly groupId: string; readonly clientId?: string };
}

interface Decoded {
  readonly record: RawRecord;
  readonly event: OrderEvent;
}

export async function applyRecords(deps: ApplyDeps, records: readonly RawRecord[]): Promise<void> {
  await deps.ensureLiveState();
  // One CONSUMER "process" span per record, a child of its producer span (traceparent header).
  const spans: RecordSpans = new Map(
    records.map((r) => [r, startProcessSpan(r, deps.messaging ?? { groupId: "" })]),
  );
  try {
    await applyTraced(deps, records, spans);
  } catch (error) {
    for (const { span } of spans.values()) failSpan(span, error);
    throw error;
  } finally {
    for (const { span } of spans.values()) span.end();
  }
}

async function applyTraced(
  deps: ApplyDeps,
  records: readonly RawRecord[],
  spans: RecordSpans,
): Promise<void> {
  const decoded: Decoded[] = [];
  for (const record of records) {
    try {
      if (!record.value) throw new UndecodableEventError("record has no value");
      const event = decodeOrderEvent(record.value);
      spans.get(record)?.span.setAttributes({
        "messaging.message.id": event.eventId,
        "ovenline.event.kind": event.kind,
      });
      decoded.push({ record, event });
    } catch (error) {
      if (!(error instanceof UndecodableEventError)) throw error;
      await deadLetter(deps, record, error.message, spans);
    }
  }
  if (decoded.length === 0) return;

  const outcomes = await applyIsolatingPoison(deps, decoded, spans);
  const orders: Order[] = [];
  const parents: Context[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const { record, event } = decoded[i];
    if (outcome === undefined) continue; // dead-lettered while isolating
    const traced = spans.get(record);
    traced?.span.setAttribute("ovenline.outcome", outcome.kind);
    switch (outcome.kind) {
      case "invalid":
        await deadLetter(deps, record, outcome.reason, spans);
        continue;
      case "stale":
        context.with(
          traced?.context ?? context.active(),
          () =>
            deps.logger.warn("status change no longer applies; ignored", {
              orderId: event.orderId,
              eventId: event.eventId,
              reason: outcome.reason,
            }),
        );
        break;
    }
    orders.push(outcome.order);
    parents.push(traced?.context ?? ROOT_CONTEXT);
  }
  await deps.projection.project(orders, deps.clock.now(), parents);
}

/**
 * Applies the batch in one transaction. When the record refuses it for a
 * reason that retrying cannot fix, each event is applied alone so that only
 * the poisoned one is dead-lettered.
 */
async function applyIsolatingPoison(
  deps: ApplyDeps,
  decoded: readonly Decoded[],
  spans: RecordSpans,
): Promise<(EventOutcome | undefined)[]> {
  try {
    return await inTransactionSpan(
      spans,
      decoded.map((d) => d.record),
      () => applyWithPartitions(deps, decoded.map((d) => d.event)),
    );
  } catch (error) {
    if (!isPermanent(error) || decoded.length === 1) {
      if (isPermanent(error)) {
        await deadLetter(deps, decoded[0].record, describe(error), spans);
        return [undefined];
      }
      throw error;
    }
  }
  const outcomes: (EventOutcome | undefined)[] = [];
  for (const d of decoded) {
    try {
      outcomes.push(
        (await inTransactionSpan(spans, [d.record], () => applyWithPartitions(deps, [d.event])))[0],
      );
    } catch (error) {
      if (!isPermanent(error)) throw error;
      await deadLetter(deps, d.record, describe(error), spans);
      outcomes.push(undefined);
    }
  }
  return outcomes;
}

async function applyWithPartitions(
  deps: ApplyDeps,
  events: readonly OrderEvent[],
): Promise<EventOutcome[]> {
  try {
    return await deps.store.applyBatch(events);
  } catch (error) {
    if (!isMissingPartition(error)) throw error;
    for (const e of events) {
      if (e.kind === "placed") await deps.ensurePartitions(new Date(e.order.createdAt));
    }
    return await deps.store.applyBatch(events);
  }
}

function isMissingPartition(error: unknown): boolean {
  return sqlState(error) === "23514" && /no partition/i.test(String((error as Error).message));
}

/** Data and integrity errors: the same event would fail the same way forever. */
function isPermanent(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23")) &&
    !isMissingPartition(error);
}

function describe(error: unknown): string {
  const state = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  return state ? `postgres ${state}: ${message}` : message;
}

async function deadLetter(
  deps: ApplyDeps,
  record: RawRecord,
  reason: string,
  spans: RecordSpans,
): Promise<void> {
  await deps.deadLetters.send(record, reason, deps.clock.now());
  deps.onDeadLetter?.(reason);
  const traced = spans.get(record);
  traced?.span.setStatus({ code: SpanStatusCode.ERROR, message: "moved to the dead-letter topic" });
  traced?.span.setAttribute("ovenline.dead_letter.reason", reason.slice(0, 200));
  context.with(
    traced?.context ?? context.active(),
    () =>
      deps.logger.error("order event moved to the dead-letter topic", {
        reason,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        orderId: record.key,
      }),
  );
}
