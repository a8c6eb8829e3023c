/** Settings every service shares: where Kafka, Redis and PostgreSQL are, and topic names. */
import type { KafkaSettings } from "../adapters/kafka/client.ts";
import type { RedisSettings } from "../adapters/redis/client.ts";
import { bool, ConfigError, type Env, integer, list, optionalText, text } from "./env.ts";
import { databaseUrl, redisTlsCa } from "./tls_ca.ts";

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
    databaseUrl: databaseUrl(env),
    redis: redisSettings(env),
    kafka: {
      brokers: list(env, "KAFKA_BROKERS"),
      clientId: `ovenline-${serviceName}`,
      ...kafkaSecurity(env),
    },
    ordersTopic,
    deadLetterTopic: text(env, "KAFKA_DLQ_TOPIC", `${ordersTopic}.dlq`),
    consumerGroup: text(env, "KAFKA_GROUP_ID", "order-service-stable-group"),
    configRefreshMs: integer(env, "CONFIG_REFRESH_MS", 5_000, { min: 100, max: 600_000 }),
  };
}

/**
 * STALL_AFTER_MS: how long one of a service's loops may go stuck, stopped or silent before the
 * service reports itself not live (and Kubernetes restarts it). Each service has its own
 * default, longer than its slowest honest wait.
 */
export function readStallAfterMs(env: Env, defaultMs: number): number {
  return integer(env, "STALL_AFTER_MS", defaultMs, { min: 1_000, max: 3_600_000 });
}

/** METRICS_PORT: where the service serves Prometheus /metrics; 0 (the default) serves none. */
export function metricsPort(env: Env): number {
  return integer(env, "METRICS_PORT", 0, { min: 0, max: 65_535 });
}

/** Where Redis is: REDIS_URL, REDIS_PASSWORD, and REDIS_TLS_CA_FILE for a private CA. */
export function redisSettings(env: Env): RedisSettings {
  return {
    url: text(env, "REDIS_URL"),
    password: optionalText(env, "REDIS_PASSWORD"),
    tlsCa: redisTlsCa(env),
  };
}

/** Optional TLS and SASL/SCRAM to Kafka (Strimzi's KafkaUser gives SCRAM-SHA-512). */
export function kafkaSecurity(env: Env): Pick<KafkaSettings, "ssl" | "sasl"> {
  const tls = bool(env, "KAFKA_TLS", false);
  const caFile = optionalText(env, "KAFKA_TLS_CA_FILE");
  const mechanism = optionalText(env, "KAFKA_SASL_MECHANISM")?.toLowerCase();
  let sasl: KafkaSettings["sasl"];
  if (mechanism) {
    if (mechanism !== "scram-sha-512" && mechanism !== "scram-sha-256") {
      throw new ConfigError(
        `KAFKA_SASL_MECHANISM must be scram-sha-512 or scram-sha-256, got "${mechanism}"`,
      );
    }
    sasl = {
      mechanism,
      username: text(env, "KAFKA_SASL_USERNAME"),
      password: text(env, "KAFKA_SASL_PASSWORD"),
    };
  } else if (optionalText(env, "KAFKA_SASL_USERNAME") || optionalText(env, "KAFKA_SASL_PASSWORD")) {
    // Credentials without a mechanism would silently connect without SASL.
    throw new ConfigError("KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not");
  }
  if (caFile && !tls) {
    // A CA without TLS would silently connect in plaintext.
    throw new ConfigError("KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true");
  }
  return {
    ssl: tls ? (caFile ? { ca: readCaFile(caFile) } : true) : undefined,
    sasl,
  };
}

function readCaFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new ConfigError(`KAFKA_TLS_CA_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
}
