/** Kafka clients made the way the services make theirs, for tests of secured brokers. */
import type { Kafka } from "kafkajs";
import { createKafka } from "../../src/adapters/kafka/client.ts";
import { readCommonConfig } from "../../src/config/common.ts";
import type { Logger } from "../../src/observability/logger.ts";
import { seedExampleRequest } from "./grpc_client.ts";
import { testKitchen } from "./kitchens.ts";
import { waitForOrder } from "./observe.ts";
import { TestStack } from "./stack.ts";

/** readCommonConfig → createKafka, from KAFKA_* variables only. */
export function servicesKafkaClient(settings: Record<string, string>, logger: Logger): Kafka {
  return createKafka(
    {
      ...readCommonConfig({ DATABASE_URL: "x", REDIS_URL: "x", ...settings }, "test").kafka,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 5000,
    },
    logger,
  );
}

/** "connected", or the error's name and message. */
export async function tryConnect(kafka: Kafka): Promise<string> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
    return "connected";
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Starts intake and consumer with `env` (pointing at the secured broker), places one order and
 * waits for it in PostgreSQL; returns the stack and how many records `topic` holds on the broker.
 */
export async function orderThroughBroker(
  name: string,
  env: Record<string, string>,
  topic: string,
  broker: Kafka,
): Promise<{ stack: TestStack; records: number }> {
  const kitchen = testKitchen();
  const stack = await TestStack.start(name, { kitchens: [kitchen], env });
  const order = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
  await waitForOrder(stack, order.orderId, 30_000);
  const admin = broker.admin();
  await admin.connect();
  const records = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  return { stack, records };
}
