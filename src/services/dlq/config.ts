/** The dead-letter tool's configuration, read once from the environment. */
import { type Env, list, text } from "../../config/env.ts";

export interface DlqConfig {
  readonly brokers: string[];
  readonly ordersTopic: string;
  readonly deadLetterTopic: string;
}

export function readDlqConfig(env: Env = Deno.env.toObject()): DlqConfig {
  const ordersTopic = text(env, "KAFKA_TOPIC", "pizza-orders");
  return {
    brokers: list(env, "KAFKA_BROKERS"),
    ordersTopic,
    deadLetterTopic: text(env, "KAFKA_DLQ_TOPIC", `${ordersTopic}.dlq`),
  };
}
