/** Reads every record currently in the dead-letter topic (from the start to the end offsets). */
import type { Kafka } from "kafkajs";
import type { RawRecord } from "../../adapters/kafka/batch_consumer.ts";

/** The prefix of the throw-away consumer groups it reads with (the chart's Kafka ACLs allow it). */
export const READER_GROUP_PREFIX = "ovenline-dlq-reader-";

export async function readDeadLetters(kafka: Kafka, topic: string): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];

  // A throw-away group: reading must not move any offsets that matter.
  const consumer = kafka.consumer({ groupId: `${READER_GROUP_PREFIX}${crypto.randomUUID()}` });
  const records: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const remaining = new Set(ends.keys());
      consumer.run({
        autoCommit: false,
        eachMessage: ({ partition, message }) => {
          const end = ends.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return Promise.resolve();
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) {
            if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v);
          }
          records.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value ? new Uint8Array(message.value) : null,
            headers,
            timestamp: message.timestamp,
          });
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) resolve();
          return Promise.resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) =>
    a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))
  );
}
