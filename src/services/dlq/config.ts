/** The dead-letter tool's configuration, read once from the environment. */
import type { KafkaSettings } from "../../adapters/kafka/client.ts";
import { kafkaSecurity } from "../../config/common.ts";
import { type Env, list, text } from "../../config/env.ts";

export interface DlqConfig {
  readonly brokers: string[];
  /** TLS and SASL/SCRAM as the services use them (KAFKA_TLS*, KAFKA_SASL_*). */
  readonly security: Pick<KafkaSettings, "ssl" | "sasl">;
  readonly ordersTopic: string;
  readonly deadLetterTopic: string;
}

export function readDlqConfig(env: Env = Deno.env.toObject()): DlqConfig {
  const ordersTopic = text(env, "KAFKA_TOPIC", "pizza-orders");
  return {
    brokers: list(env, "KAFKA_BROKERS"),
    security: kafkaSecurity(env),
    ordersTopic,
    deadLetterTopic: text(env, "KAFKA_DLQ_TOPIC", `${ordersTopic}.dlq`),
  };
}
