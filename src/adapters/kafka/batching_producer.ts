/**
 * Sends records with the idempotent producer (acks=all) and resolves each
 * caller only when its record is acknowledged. kafkajs sends one request per
 * send() and the idempotent producer allows one request in flight, so
 * concurrent callers are gathered: while a batch is in flight the next one
 * accumulates, and it goes out as one request when the first is acked.
 * With a heartbeat, each request is an operation of it: one that never settles
 * (every later send would queue behind it for ever) makes the process not live.
 */
import { Buffer } from "node:buffer";
import type { Message, Producer } from "kafkajs";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";

export interface OutgoingRecord {
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: Record<string, string>;
}

interface Pending {
  readonly record: OutgoingRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A failed batch send, telling whether the broker may have written it. Only an error answer to
 * kafkajs' one and only attempt proves it was not: once kafkajs has retried, its error describes
 * the last attempt alone, and an earlier one may have been written before its connection went.
 */
export class BatchSendError extends Error {
  constructor(cause: unknown, readonly possiblyWritten: boolean) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "BatchSendError";
  }
}

export class BatchingProducer {
  #queue: Pending[] = [];
  #inFlight = false;

  constructor(
    private readonly producer: () => Producer,
    private readonly topic: string,
    private readonly maxBatch = 1000,
    /** Told about a failed send before the next batch leaves (e.g. to renew the producer). */
    private readonly afterFailure: (error: unknown) => Promise<void> = () => Promise.resolve(),
    private readonly heartbeat?: Heartbeat,
  ) {}

  send(record: OutgoingRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      // Let every caller of this tick join the batch before it leaves.
      if (!this.#inFlight) queueMicrotask(() => this.#flush());
    });
  }

  /**
   * Takes back a record that is still waiting for its batch; true when it was (it will never be
   * sent). A record already in a request in flight cannot be taken back.
   */
  withdraw(record: OutgoingRecord): boolean {
    const i = this.#queue.findIndex((p) => p.record === record);
    if (i < 0) return false;
    const [pending] = this.#queue.splice(i, 1);
    pending.reject(new Error("withdrawn before it was sent"));
    return true;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async #flush(): Promise<void> {
    if (this.#inFlight || this.#queue.length === 0) return;
    this.#inFlight = true;
    const batch = this.#queue.splice(0, this.maxBatch);
    const request = this.heartbeat?.busy("a Kafka produce request");
    try {
      await this.producer().send({
        topic: this.topic,
        acks: -1,
        messages: batch.map(({ record }): Message => ({
          key: record.key,
          value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
          headers: record.headers,
        })),
      });
      for (const p of batch) p.resolve();
    } catch (error) {
      const failed = new BatchSendError(error, !answeredWithError(error));
      for (const p of batch) p.reject(failed);
      await this.afterFailure(error).catch(() => {});
    } finally {
      request?.done();
      this.#inFlight = false;
      if (this.#queue.length > 0) queueMicrotask(() => this.#flush());
    }
  }
}

/** The broker answered kafkajs' single attempt with an error (nothing retried, nothing lost). */
function answeredWithError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "KafkaJSProtocolError";
}
