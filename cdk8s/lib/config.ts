/**
 * The services' non-secret settings: a ConfigMap per service with only the settings that service
 * reads (envFrom), and its checksum, which the service's pods carry so that they roll when one of
 * their settings changes; and the checksum of the secret values they read.
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
import { caFile } from "./tls_cas.ts";
import type { Add } from "./render.ts";
import { ref } from "../values.ts";

/** What a service connects to; each brings its settings and secrets. */
export type Dependency = "kafka" | "postgres" | "redis";

/** Every setting, by environment variable. */
function configData() {
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
    REDIS_TLS_CA_FILE: caFile("redis"),
    DATABASE_TLS_CA_FILE: caFile("postgres"),
    OTEL_DENO: ifElse(ref("otel.enabled"), lit("true"), lit("false")),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: ref("otel.protocol"),
  } satisfies Record<string, Expr<unknown>>;
}

export type Setting = keyof ReturnType<typeof configData>;

/** What every service reads, and what each dependency brings. */
const EVERY_SERVICE: Setting[] = [
  "LOG_LEVEL",
  "OTEL_DENO",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
];
const BY_DEPENDENCY: Record<Dependency, Setting[]> = {
  kafka: [
    "KAFKA_BROKERS",
    "KAFKA_TOPIC",
    "KAFKA_TLS",
    "KAFKA_TLS_CA_FILE",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
  ],
  postgres: ["DATABASE_TLS_CA_FILE"],
  redis: ["REDIS_URL", "REDIS_TLS_CA_FILE"],
};

/** The settings of a service that uses `uses` and reads `own` besides. */
export function settingsOf(uses: readonly Dependency[], own: readonly Setting[]): Setting[] {
  const all = [...EVERY_SERVICE, ...uses.flatMap((d) => BY_DEPENDENCY[d]), ...own];
  return [...new Set(all)].sort();
}

const file = (component: string) => `${component}-configmap`;

/** The checksum/config annotation of `component`'s pods: a hash of its ConfigMap. */
export function configHash(component: string, settings: readonly Setting[]): Expr<string> {
  return new Expr<string>(
    `(include (print $.Template.BasePath "/${file(component)}.yaml") $ | sha256sum)`,
    (c) => {
      // Plain manifests: a hash of the evaluated settings (Helm hashes its rendered text).
      const all = configData() as Record<Setting, Expr<unknown>>;
      const data = Object.fromEntries(settings.map((key) => [key, String(all[key].evaluate(c))]));
      return createHash("sha256").update(JSON.stringify(data)).digest("hex");
    },
    "str",
  );
}

/** `component`'s ConfigMap `<fullname>-<component>-config`, with `settings` only. */
export function configMap(
  add: Add,
  component: string,
  settings: readonly Setting[],
  gate?: Expr<unknown>,
): void {
  const all = configData() as Record<Setting, Expr<unknown>>;
  add(
    file(component),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta(component, `${component}-config`),
      data: Object.fromEntries(settings.map((key) => [key, v(all[key] as Expr<string>)])),
    } satisfies k.IConfigMap,
    gate,
  );
}

/**
 * The checksum/secrets annotation: a hash of the secret values the pods read, where the chart
 * knows them. A value from values is hashed as given (a generated one never changes); an existing
 * Secret by what the cluster holds (Helm's lookup; nothing under helm template); an operator's
 * Secret not at all (the operator owns it). So a changed password rolls the pods on the next
 * helm upgrade, and an unchanged one never does.
 */
export function secretsHash(parts: readonly Expr<string>[]): Expr<string> {
  const text = cat(...parts.flatMap((p) => [p, "\n"]));
  return new Expr<string>(
    `(sha256sum ${text.helm})`,
    (c) => createHash("sha256").update(String(text.evaluate(c))).digest("hex"),
    "str",
  );
}
