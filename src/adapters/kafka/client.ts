/** One kafkajs client per process, with kafkajs' own log lines routed into ours. */
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import type { Logger } from "../../observability/logger.ts";
import "./request_queue_fix.ts";
import "./varint_encoding_fix.ts";

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string } | boolean;
  readonly sasl?: {
    readonly mechanism: "scram-sha-512" | "scram-sha-256";
    readonly username: string;
    readonly password: string;
  };
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl: settings.ssl === undefined
      ? undefined
      : settings.ssl === true
      ? true
      : settings.ssl
      ? { ...settings.ssl }
      : undefined,
    sasl: settings.sasl as SASLOptions | undefined,
    connectionTimeout: settings.connectionTimeoutMs ?? 3000,
    requestTimeout: settings.requestTimeoutMs ?? 10000,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log }) => {
      const { message, ...rest } = log;
      const fields = { component: "kafkajs", namespace: log.namespace, ...rest };
      if (level <= logLevel.ERROR) logger.error(String(message), fields);
      else logger.warn(String(message), fields);
    },
  });
}
