/** Throw-away topics per test stack, so a stack only ever reads its own records. */
import { Kafka, logLevel } from "kafkajs";
import "../../src/adapters/kafka/request_queue_fix.ts"; // no millisecond wake-ups while connected
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

/**
 * Topic settings for a test process whose clock runs ahead of the broker's: scripts/clock_sweep.ts
 * fakes the clock of the tests and the services they start (libfaketime), not the broker's, and
 * Kafka refuses records stamped more than an hour ahead (message.timestamp.after.max.ms).
 */
function clockAheadConfig(): { name: string; value: string }[] {
  const ahead = Number(Deno.env.get("OVENLINE_TEST_CLOCK_AHEAD_MS") ?? "0");
  if (!Number.isSafeInteger(ahead) || ahead < 0) {
    throw new Error(`OVENLINE_TEST_CLOCK_AHEAD_MS must be a whole number of ms, got ${ahead}`);
  }
  return ahead > 0
    ? [{ name: "message.timestamp.after.max.ms", value: String(ahead + 3_600_000) }]
    : [];
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
        {
          topic: orders,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: clockAheadConfig(),
        },
        {
          topic: deadLetters,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: clockAheadConfig(),
        },
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
