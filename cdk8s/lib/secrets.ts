/**
 * The chart's own Secrets: Redis's password, the hub's token key, intake's order id key and the
 * customers' key set, the Kafka client's user (and external password) and an external database's
 * URL. Each is left out when values name an existing Secret instead (or, for Kafka, when SASL is
 * off; for the key set, when none is given).
 */
import { and, type Expr, lit, not, v, when } from "./expr.ts";
import { secretValue } from "./helpers.ts";
import type * as k from "./k8s_types.ts";
import {
  kafkaOperator,
  kafkaSasl,
  kafkaUsername,
  MIGRATE_SECRET,
  pgOperator,
  redisInRelease,
} from "./endpoints.ts";
import { labels, n, nameOf, objectMeta } from "./names.ts";
import type { Add } from "./render.ts";
import { ref } from "../values.ts";

/**
 * A Secret `<fullname>-<suffix>` with one key: the value from values, else (when `generate` holds)
 * the one already in the cluster, else a new random one (helpers.ts, ovenline.secretValue).
 */
function generatedSecret(add: Add, s: {
  readonly file: string;
  readonly component: string;
  readonly suffix: string;
  readonly key: string;
  readonly value: Expr<string>;
  readonly generate: Expr<boolean>;
  /** Rendered only when this holds (no existing Secret is named instead). */
  readonly gate: Expr<unknown>;
}): void {
  add(
    s.file,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta(s.component, s.suffix),
      type: "Opaque",
      stringData: { [s.key]: v(secretValue(nameOf(s.suffix), lit(s.key), s.value, s.generate)) },
    } satisfies k.ISecret,
    s.gate,
  );
}

export function secrets(add: Add): void {
  generatedSecret(add, {
    file: "redis-secret",
    component: "redis",
    suffix: "redis",
    key: "password",
    value: ref("redis.password"),
    generate: redisInRelease,
    gate: not(ref("redis.existingSecret")),
  });
  generatedSecret(add, {
    file: "order-ids-secret",
    component: "intake",
    suffix: "order-ids",
    key: "order-id-secret",
    value: ref("intake.orderIds.secret"),
    generate: lit(true),
    gate: not(ref("intake.orderIds.existingSecret")),
  });
  // The customers' public key set (not secret, but kept like the existingSecret that may replace it).
  add(
    "customer-keys-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("intake", "customer-keys"),
      type: "Opaque",
      stringData: { "jwks.json": v(ref("intake.customers.jwks")) },
    } satisfies k.ISecret,
    and(ref("intake.customers.jwks"), not(ref("intake.customers.existingSecret"))),
  );
  generatedSecret(add, {
    file: "hub-auth-secret",
    component: "hub",
    suffix: "auth",
    key: "jwt-secret",
    value: ref("auth.jwtSecret"),
    generate: lit(true),
    gate: not(ref("auth.existingSecret")),
  });

  add(
    "kafka-client-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("kafka", "kafka-client"),
      type: "Opaque",
      stringData: {
        username: v(kafkaUsername),
        password: when(
          and(not(kafkaOperator), not(ref("kafka.external.sasl.existingSecret"))),
          v(ref("kafka.external.sasl.password")),
        ),
      },
    } satisfies k.ISecret,
    kafkaSasl,
  );

  // External PostgreSQL from a URL in values: the services' Secret is one of the release's objects
  // (helm uninstall deletes it); the pre-install migration Job, which runs before any of them
  // exists, reads a hook copy that is deleted once the hooks have succeeded.
  const ownPostgres = and(not(pgOperator), not(ref("postgres.external.existingSecret")));
  const postgresSecret = (suffix: string, annotations?: Record<string, string>) =>
    add(
      `${suffix}-secret`,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: n(suffix), labels: labels("postgres"), annotations },
        type: "Opaque",
        stringData: { uri: v(ref("postgres.external.url")) },
      } satisfies k.ISecret,
      ownPostgres,
    );
  postgresSecret("postgres");
  postgresSecret(MIGRATE_SECRET, {
    "helm.sh/hook": "pre-install,pre-upgrade",
    "helm.sh/hook-weight": "-10",
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
  });
}
