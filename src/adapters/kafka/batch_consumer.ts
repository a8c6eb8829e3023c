/**
 * Runs a consumer group over one topic with offsets committed only after the
 * handler has finished with a batch. A failing handler is retried with
 * backoff on the same records (heartbeating meanwhile) rather than skipped, so
 * nothing is committed that was not applied.
 *
 * The batches of one fetch (one per partition) reach the handler in one call,
 * and their offsets go out in one commit (batch_coalescer.ts): a fetch costs
 * one transaction and one OffsetCommit, not one per partition.
 *
 * `events` hears when the consumer has joined the group (and which partitions
 * it holds) and when kafkajs crashed it. After a crash kafkajs restarts the
 * consumer only for errors it calls retriable; for any other (a member with an
 * incompatible assignment protocol, the group gone) the consumer stays
 * stopped, and restarting it is the caller's job (consume_supervisor.ts).
 */
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "../../observability/logger.ts";
import { BatchCoalescer, highestPerPartition, type PartitionOffset } from "./batch_coalescer.ts";

export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Uint8Array | null;
  readonly headers: Record<string, string>;
  readonly timestamp: string;
}

export interface BatchConsumerSettings {
  readonly topic: string;
  readonly groupId: string;
  /** Longest the broker holds a fetch waiting for data: small, so a quiet topic is not held back. */
  readonly maxWaitTimeMs?: number;
  readonly sessionTimeoutMs?: number;
  /**
   * Partitions whose batches kafkajs hands out at once; those handed out together reach the
   * handler in one call (order within a partition is kept).
   */
  readonly partitionsConcurrently?: number;
}

export type BatchHandler = (records: readonly RawRecord[]) => Promise<void>;

export interface RunningConsumer {
  readonly consumer: Consumer;
  /** Batches being retried after their handler failed, now. */
  readonly retrying: number;
  stop(): Promise<void>;
}

export interface ConsumerEvents {
  /** Joined (or re-joined) the group, holding these partitions of the topic. */
  joined(partitions: readonly number[]): void;
  /** kafkajs stopped the consumer; with `restarting` it starts it again by itself. */
  crashed(error: Error, restarting: boolean): void;
}

/** Commit answers that mean "join the group again", as kafkajs' fetch loop knows them. */
const REJOIN = new Set([
  "ILLEGAL_GENERATION",
  "UNKNOWN_MEMBER_ID",
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR_FOR_GROUP",
]);

/**
 * The broker's own error when it asks the member to re-join. kafkajs wraps a commit's protocol
 * error in a non-retriable one, which its fetch loop does not recognise: it would crash the
 * consumer for good instead of re-joining (a batch that outlasted the session, a deleted group).
 */
export function rejoinCause(error: unknown, depth = 0): Error | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const e = error as { type?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.type === "string" && REJOIN.has(e.type)) return error as Error;
  return rejoinCause(e.cause, depth + 1) ?? rejoinCause(e.originalError, depth + 1);
}

export async function runBatchConsumer(
  kafka: Kafka,
  settings: BatchConsumerSettings,
  handler: BatchHandler,
  logger: Logger,
  events?: ConsumerEvents,
): Promise<RunningConsumer> {
  const sessionTimeout = settings.sessionTimeoutMs ?? 30_000;
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    minBytes: 1,
    // Bounded fetches: a backlog (after an outage) arrives in batches the heap can hold.
    maxBytes: 4 << 20,
    maxBytesPerPartition: 512 << 10,
    maxWaitTimeInMs: settings.maxWaitTimeMs ?? 50,
    sessionTimeout,
    // At most a third of the session, so one late heartbeat does not cost the membership.
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  let stopping = false;
  let retrying = 0;
  if (events) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      events.joined(payload.memberAssignment[settings.topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!stopping) events.crashed(payload.error, payload.restart);
    });
  }
  try {
    await consumer.connect();
    // A group with no committed offsets starts at the earliest retained record: starting at the
    // latest would skip orders that were accepted before this group first ran.
    await consumer.subscribe({ topic: settings.topic, fromBeginning: true });
  } catch (error) {
    stopping = true;
    await consumer.disconnect().catch(() => {});
    throw error;
  }
  const applying = new BatchCoalescer<RawRecord>(handler);
  const committing = new BatchCoalescer<PartitionOffset>(async (offsets) => {
    try {
      await consumer.commitOffsets(highestPerPartition(offsets));
    } catch (error) {
      // Not committed: the batches are applied again after the re-join (replay changes nothing).
      throw rejoinCause(error) ?? error;
    }
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: settings.partitionsConcurrently ?? 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      const records = batch.messages.map((m) => recordOf(batch.topic, batch.partition, m));
      let failed = false;
      try {
        for (let attempt = 1;; attempt++) {
          if (!isRunning() || isStale() || stopping) return;
          try {
            await applying.submit(records);
            break;
          } catch (error) {
            if (!failed) retrying++;
            failed = true;
            const delay = Math.min(100 * 2 ** (attempt - 1), 5_000);
            logger.warn("batch failed; retrying the same records", {
              error,
              attempt,
              delayMs: delay,
              partition: batch.partition,
              firstOffset: batch.firstOffset(),
            });
            await new Promise((r) => setTimeout(r, delay));
            await heartbeat().catch(() => {});
          }
        }
      } finally {
        if (failed) retrying--;
      }
      // Without auto-resolve kafkajs fetches from the last *resolved* offset, whatever was
      // committed: an unresolved batch is fetched and handled again and again.
      resolveOffset(batch.lastOffset());
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await committing.submit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      await heartbeat();
    },
  });
  return {
    consumer,
    get retrying() {
      return retrying;
    },
    stop: async () => {
      stopping = true;
      await consumer.disconnect();
    },
  };
}

function recordOf(topic: string, partition: number, m: KafkaMessage): RawRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString() : null,
    value: m.value ? new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength) : null,
    headers,
    timestamp: m.timestamp,
  };
}
