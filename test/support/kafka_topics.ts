/** Throw-away topics per test stack, so a stack only ever reads its own records. */
import { Kafka, logLevel } from "kafkajs";
import { infraSetting } from "./infra.ts";

export function testKafka(): Kafka {
  return new Kafka({
    clientId: "ovenline-test",
    brokers: infraSetting("KAFKA_BROKERS").split(","),
    logLevel: logLevel.NOTHING,
  });
}

export interface TestTopics {
  readonly orders: string;
  readonly deadLetters: string;
  remove(): Promise<void>;
}

export async function createTestTopics(partitions = 6): Promise<TestTopics> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const orders = `test-orders-${suffix}`;
  const deadLetters = `${orders}.dlq`;
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: orders, numPartitions: partitions, replicationFactor: 1 },
        { topic: deadLetters, numPartitions: 1, replicationFactor: 1 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  return {
    orders,
    deadLetters,
    remove: async () => {
      const a = testKafka().admin();
      await a.connect();
      try {
        await a.deleteTopics({ topics: [orders, deadLetters] });
      } catch {
        // The broker may be down in a fault test; leftover test topics are harmless.
      } finally {
        await a.disconnect();
      }
    },
  };
}
