/**
 * The idempotent producer, replaced by a fresh one (a new producer id) when
 * the broker has stopped accepting its sequence numbers — after a broker
 * restart or a request that timed out mid-flight, kafkajs can be left with
 * OUT_OF_ORDER_SEQUENCE_NUMBER on every send and never recovers by itself.
 * A record re-sent under the new id may land twice in the topic; the
 * consumer's writes are idempotent, so that is harmless.
 */
import type { Producer } from "kafkajs";
import type { Logger } from "../../observability/logger.ts";

const FATAL_FOR_THE_PRODUCER_ID = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
  "DUPLICATE_SEQUENCE_NUMBER",
]);

/** Whether `error` (or what it wraps) means this producer id can send no more. */
export function isFatalForProducer(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.type === "string" && FATAL_FOR_THE_PRODUCER_ID.has(e.type)) return true;
  return isFatalForProducer(e.cause, depth + 1) || isFatalForProducer(e.originalError, depth + 1);
}

export class RenewableProducer {
  #producer: Producer;
  #renewing: Promise<void> | undefined;
  renewals = 0;

  constructor(private readonly create: () => Producer, private readonly logger: Logger) {
    this.#producer = create();
  }

  get current(): Producer {
    return this.#producer;
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  /** After a failed send: starts over with a new producer if the old one is beyond repair. */
  renewIfFatal(error: unknown): Promise<void> {
    if (!isFatalForProducer(error)) return Promise.resolve();
    this.#renewing ??= (async () => {
      const old = this.#producer;
      this.#producer = this.create();
      this.renewals++;
      this.logger.warn(
        "Kafka refused the producer's sequence; starting over with a new producer id",
        {
          error,
        },
      );
      await old.disconnect().catch(() => {});
      await this.#producer.connect().catch((e) =>
        this.logger.warn("new producer could not connect yet; it retries on send", { error: e })
      );
    })().finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }
}
