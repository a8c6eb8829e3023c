/**
 * The consumer's fetch coalescing on the real broker (src/adapters/kafka/batch_coalescer.ts): the
 * batches of one fetch, one per partition, reach the handler in one call, and their offsets go out
 * in one commit. Every record still arrives once, each partition's in order, and nothing is
 * committed for a call that failed.
 */
import assert from "node:assert/strict";
import type { Kafka } from "kafkajs";
import { type RawRecord, runBatchConsumer } from "../src/adapters/kafka/batch_consumer.ts";
import "../src/adapters/kafka/request_queue_fix.ts";
import { createLogger } from "../src/observability/logger.ts";
import { waitForConsumerCaughtUp } from "./support/events.ts";
import { createTestTopics, testKafka } from "./support/kafka_topics.ts";

const PARTITIONS = 4;
const PER_PARTITION = 25;
const quiet = createLogger({ test: "fetch-coalescing" }, "error", () => {});

/** PER_PARTITION records into each partition, before any consumer reads: one fetch sees them all. */
async function fill(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({
        partition: i % PARTITIONS,
        key: `k${i}`,
        value: `${i % PARTITIONS}:${Math.floor(i / PARTITIONS)}`,
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function committed(kafka: Kafka, groupId: string, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.filter((p) => Number(p.offset) >= 0).map((p) => p.partition);
  } finally {
    await admin.disconnect();
  }
}

const text = (r: RawRecord) => new TextDecoder().decode(r.value!);

Deno.test("consumer fetch coalescing on the real broker", async (t) => {
  const kafka = testKafka();

  await t.step(
    "a fetch's partitions reach the handler in one call, each record once and in order, one commit per call",
    async () => {
      const topics = await createTestTopics(PARTITIONS);
      const groupId = `coalesce-${crypto.randomUUID().slice(0, 8)}`;
      await fill(kafka, topics.orders);
      const calls: RawRecord[][] = [];
      let commits = 0;
      const running = await runBatchConsumer(
        kafka,
        { topic: topics.orders, groupId, partitionsConcurrently: 64 },
        (records) => {
          calls.push([...records]);
          return Promise.resolve();
        },
        quiet,
      );
      running.consumer.on(running.consumer.events.COMMIT_OFFSETS, () => commits++);
      try {
        await waitForConsumerCaughtUp(topics.orders, groupId);
        const partitionsPerCall = calls.map((c) => new Set(c.map((r) => r.partition)).size);
        assert.ok(
          partitionsPerCall.includes(PARTITIONS),
          `one call carried all ${PARTITIONS} partitions (partitions per call: ${partitionsPerCall})`,
        );
        assert.ok(
          calls.length < PARTITIONS,
          `${calls.length} calls for one fetch of ${PARTITIONS}`,
        );
        assert.ok(commits <= calls.length, `${commits} commits for ${calls.length} calls`);
        const all = calls.flat();
        assert.equal(all.length, PARTITIONS * PER_PARTITION, "every record once");
        for (let p = 0; p < PARTITIONS; p++) {
          assert.deepEqual(
            all.filter((r) => r.partition === p).map(text),
            Array.from({ length: PER_PARTITION }, (_, n) => `${p}:${n}`),
            `partition ${p} in order`,
          );
        }
      } finally {
        await running.stop();
        await topics.remove();
      }
    },
  );

  await t.step(
    "a failed call is retried for every partition it carried, and nothing is committed until then",
    async () => {
      const topics = await createTestTopics(PARTITIONS);
      const groupId = `coalesce-fail-${crypto.randomUUID().slice(0, 8)}`;
      await fill(kafka, topics.orders);
      const applied: RawRecord[] = [];
      let failedCall: RawRecord[] | undefined;
      let committedAtFailure: number[] | undefined;
      const running = await runBatchConsumer(
        kafka,
        { topic: topics.orders, groupId, partitionsConcurrently: 64 },
        async (records) => {
          if (failedCall === undefined) {
            failedCall = [...records];
            committedAtFailure = await committed(kafka, groupId, topics.orders);
            throw new Error("PostgreSQL refused the transaction");
          }
          applied.push(...records);
        },
        quiet,
      );
      try {
        await waitForConsumerCaughtUp(topics.orders, groupId, 30_000);
        assert.ok(failedCall && failedCall.length > 0, "the first call failed");
        assert.deepEqual(committedAtFailure, [], "no offset committed before the failure");
        const appliedIds = new Set(applied.map((r) => `${r.partition}@${r.offset}`));
        for (const r of failedCall) {
          assert.ok(appliedIds.has(`${r.partition}@${r.offset}`), `${text(r)} applied on a retry`);
        }
        assert.equal(appliedIds.size, PARTITIONS * PER_PARTITION, "every record applied");
        assert.equal(applied.length, appliedIds.size, "none applied twice");
        for (let p = 0; p < PARTITIONS; p++) {
          assert.deepEqual(
            applied.filter((r) => r.partition === p).map(text),
            Array.from({ length: PER_PARTITION }, (_, n) => `${p}:${n}`),
            `partition ${p} applied in order`,
          );
        }
      } finally {
        await running.stop();
        await topics.remove();
      }
    },
  );
});
