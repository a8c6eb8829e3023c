/** The OrderEventLog port on Kafka: protobuf records keyed by order id, acked by all in-sync replicas. */
import type { Kafka, Producer } from "kafkajs";
import {
  DependencyUnavailableError,
  PendingWriteError,
  UncertainWriteError,
} from "../../domain/errors.ts";
import type { OrderEvent } from "../../domain/order_event.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import type { OrderEventLog } from "../../domain/ports.ts";
import { startProducerSpan } from "../../observability/kafka_spans.ts";
import { failSpan } from "../../observability/tracing.ts";
import { encodeOrderEvent } from "../protobuf/order_event_codec.ts";
import { BatchingProducer, BatchSendError } from "./batching_producer.ts";
import { keyPartitioner } from "./key_partitioner.ts";
import type { RenewableProducer } from "./renewable_producer.ts";
import { HEADER, ORDER_EVENT_CONTENT_TYPE } from "./topics.ts";

export interface OrderLogSettings {
  readonly topic: string;
  /** How long one send may take before the caller is told UNAVAILABLE. */
  readonly sendTimeoutMs: number;
  /** The producer's client id, for the spans (messaging.client.id). */
  readonly clientId?: string;
  /** Told of each produce request; one that never settles shows as a hang. */
  readonly heartbeat?: Heartbeat;
}

export function createIdempotentProducer(kafka: Kafka, sendTimeoutMs: number): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: keyPartitioner,
    // A handful of quick retries inside the send timeout; the caller retries beyond that.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: Math.max(500, sendTimeoutMs / 4) },
  });
}

export class KafkaOrderLog implements OrderEventLog {
  readonly #batcher: BatchingProducer;

  constructor(producer: RenewableProducer, private readonly settings: OrderLogSettings) {
    this.#batcher = new BatchingProducer(
      () => producer.current,
      settings.topic,
      1000,
      (error) => producer.renewIfFatal(error),
      settings.heartbeat,
    );
  }

  async append(event: OrderEvent, headers: Record<string, string> = {}): Promise<void> {
    const recordHeaders: Record<string, string> = {
      [HEADER.contentType]: ORDER_EVENT_CONTENT_TYPE,
      [HEADER.schemaVersion]: String(event.schemaVersion),
      [HEADER.eventKind]: event.kind,
      ...headers,
    };
    // Each record carries its own producer span's traceparent (a no-op with tracing off).
    const span = startProducerSpan({
      topic: this.settings.topic,
      key: event.orderId,
      messageId: event.eventId,
      eventKind: event.kind,
      clientId: this.settings.clientId,
    }, recordHeaders);
    const record = {
      key: event.orderId,
      value: encodeOrderEvent(event),
      headers: recordHeaders,
    };
    const sent = this.#batcher.send(record);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ack within ${this.settings.sendTimeoutMs} ms`)),
        this.settings.sendTimeoutMs,
      );
    });
    try {
      await Promise.race([sent, timeout]);
    } catch (error) {
      // Still queued behind a stuck request: never send it, the caller hears UNAVAILABLE now.
      const withdrawn = this.#batcher.withdraw(record);
      sent.catch(() => {}); // settled later by the batcher; nobody waits for it any more
      failSpan(span, error);
      if (withdrawn) throw new DependencyUnavailableError("kafka", error); // it never left
      if (error instanceof BatchSendError) {
        throw error.possiblyWritten
          ? new UncertainWriteError("kafka", error)
          : new DependencyUnavailableError("kafka", error);
      }
      // Our deadline passed while kafkajs still tries: its verdict comes later.
      throw new PendingWriteError(
        "kafka",
        sent.then(
          () => "written" as const,
          (e) => (e instanceof BatchSendError && !e.possiblyWritten ? "not_written" : "uncertain"),
        ),
        error,
      );
    } finally {
      clearTimeout(timer);
      span.end();
    }
  }
}
