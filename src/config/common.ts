/** Settings every service shares: where Kafka, Redis and PostgreSQL are, and topic names. */
import type { KafkaSettings } from "../adapters/kafka/client.ts";
import type { RedisSettings } from "../adapters/redis/client.ts";
import { type Env, integer, list, optionalText, text } from "./env.ts";

export interface CommonConfig {
  readonly serviceName: string;
  readonly logLevel: string | undefined;
  readonly databaseUrl: string;
  readonly redis: RedisSettings;
  readonly kafka: KafkaSettings;
  readonly ordersTopic: string;
  readonly deadLetterTopic: string;
  readonly consumerGroup: string;
  /** How often menu and kitchen settings are re-read when no change notice arrives. */
  readonly configRefreshMs: number;
}

export function readCommonConfig(env: Env, serviceName: string): CommonConfig {
  const ordersTopic = text(env, "KAFKA_TOPIC", "pizza-orders");
  return {
    serviceName,
    logLevel: optionalText(env, "LOG_LEVEL"),
    databaseUrl: text(env, "DATABASE_URL"),
    redis: {
      url: text(env, "REDIS_URL"),
      password: optionalText(env, "REDIS_PASSWORD"),
    },
    kafka: {
      brokers: list(env, "KAFKA_BROKERS"),
      clientId: `ovenline-${serviceName}`,
    },
    ordersTopic,
    deadLetterTopic: text(env, "KAFKA_DLQ_TOPIC", `${ordersTopic}.dlq`),
    consumerGroup: text(env, "KAFKA_GROUP_ID", "order-service-stable-group"),
    configRefreshMs: integer(env, "CONFIG_REFRESH_MS", 5_000, { min: 100, max: 600_000 }),
  };
}
