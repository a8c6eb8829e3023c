/**
 * The services' non-secret settings: one ConfigMap that every service reads with envFrom, and
 * its checksum, which the pods carry so that they roll when a setting changes.
 */
import { createHash } from "node:crypto";
import { and, cat, Expr, ifElse, lit, v } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import {
  KAFKA_CA_DIR,
  kafkaBrokers,
  kafkaHasCa,
  kafkaMechanism,
  kafkaSasl,
  kafkaTls,
  kafkaUsername,
  otlpEndpoint,
  redisUrl,
} from "./endpoints.ts";
import { objectMeta } from "./names.ts";
import type { Add } from "./render.ts";
import { ref } from "../values.ts";

/** The ConfigMap's template file; the checksum hashes its rendered text. */
const FILE = "config-configmap";

/** The settings, by environment variable. */
function configData(): Record<string, Expr<unknown>> {
  return {
    LOG_LEVEL: ref("logLevel"),
    CONFIG_REFRESH_MS: cat(ref("configRefreshMs")),
    DEFAULT_KITCHEN_ID: ref("defaultKitchenId"),
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC: ref("kafka.topic.name"),
    KAFKA_DLQ_TOPIC: ref("kafka.deadLetterTopic.name"),
    KAFKA_GROUP_ID: ref("kafka.consumerGroup"),
    KAFKA_SEND_TIMEOUT_MS: cat(ref("kafka.sendTimeoutMs")),
    KAFKA_TLS: ifElse(kafkaTls, lit("true"), lit("false")),
    KAFKA_TLS_CA_FILE: ifElse(and(kafkaTls, kafkaHasCa), lit(`${KAFKA_CA_DIR}/ca.crt`), lit("")),
    KAFKA_SASL_MECHANISM: ifElse(kafkaSasl, kafkaMechanism, lit("")),
    KAFKA_SASL_USERNAME: ifElse(kafkaSasl, kafkaUsername, lit("")),
    REDIS_URL: redisUrl,
    OTEL_DENO: ifElse(ref("otel.enabled"), lit("true"), lit("false")),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: ref("otel.protocol"),
  };
}

/** The checksum/config annotation's value. */
export const configHash = new Expr<string>(
  `(include (print $.Template.BasePath "/${FILE}.yaml") $ | sha256sum)`,
  (c) => {
    // Plain manifests: a hash of the evaluated settings (the Helm side hashes its rendered text).
    const data = Object.fromEntries(
      Object.entries(configData()).map(([key, e]) => [key, String(e.evaluate(c))]),
    );
    return createHash("sha256").update(JSON.stringify(data)).digest("hex");
  },
  "str",
);

export function configMap(add: Add): void {
  add(
    FILE,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta("config"),
      data: Object.fromEntries(
        Object.entries(configData()).map(([key, e]) => [key, v(e as Expr<string>)]),
      ),
    } satisfies k.IConfigMap,
  );
}
