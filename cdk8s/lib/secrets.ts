/**
 * The chart's own Secrets: Redis's password, the hub's token keys, intake's order id key and the
 * customers' key set, the Kafka client's user names (and external password) and an external
 * database's URL. Each is left out when values name an existing Secret instead (or, for Kafka,
 * when SASL is off; for the key set, when none is given). A secret that neither values nor an
 * existing Secret give is generated at install and kept on upgrade, unless generateSecrets is
 * false: then the chart refuses to render without it (a render without a cluster, as Argo CD's,
 * would generate a new one every time).
 *
 * These objects hold credentials: the plain manifests (k8s/) leave them out, and docs/deploy.md
 * lists what to create instead.
 */
import { and, count, gt, hasKey, listHas, lit, not, toJson, v, when } from "./expr.ts";
import { secretValue } from "./helpers.ts";
import type * as k from "./k8s_types.ts";
import {
  AUTH_KEYS_KEY,
  AUTH_SECRET_KEY,
  kafkaOperator,
  kafkaSasl,
  kafkaUsernameOf,
  MIGRATE_SECRET,
  pgOperator,
  redisInRelease,
} from "./endpoints.ts";
import { labels, n, nameOf, objectMeta } from "./names.ts";
import type { Add, Check } from "./render.ts";
import { ref } from "../values.ts";

const generate = ref("generateSecrets");

export function secrets(add: Add, checks: Check[]): void {
  const ownRedis = not(ref("redis.existingSecret"));
  add(
    "redis-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("redis"),
      type: "Opaque",
      stringData: {
        password: v(
          secretValue(
            nameOf("redis"),
            lit("password"),
            ref("redis.password"),
            and(generate, redisInRelease),
          ),
        ),
      },
    } satisfies k.ISecret,
    ownRedis,
    { credentials: true },
  );
  checks.push({
    failWhen: and(not(generate), redisInRelease, ownRedis, not(ref("redis.password"))),
    message:
      "generateSecrets is false: give Redis's password as redis.existingSecret (a Secret you create) or redis.password",
  });

  const ownOrderIds = not(ref("intake.orderIds.existingSecret"));
  add(
    "order-ids-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("intake", "order-ids"),
      type: "Opaque",
      stringData: {
        "order-id-secret": v(
          secretValue(
            nameOf("order-ids"),
            lit("order-id-secret"),
            ref("intake.orderIds.secret"),
            generate,
          ),
        ),
      },
    } satisfies k.ISecret,
    ownOrderIds,
    { credentials: true },
  );
  checks.push({
    failWhen: and(not(generate), ownOrderIds, not(ref("intake.orderIds.secret"))),
    message:
      "generateSecrets is false: give intake's order id key as intake.orderIds.existingSecret (a Secret you create) or intake.orderIds.secret",
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

  hubKeys(add, checks);

  // KEDA's user name (TriggerAuthentication reads it from a Secret) and the shared external
  // password when values give it.
  add(
    "kafka-client-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("kafka", "kafka-client"),
      type: "Opaque",
      stringData: {
        username: v(kafkaUsernameOf("keda")),
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
      { credentials: true },
    );
  postgresSecret("postgres");
  postgresSecret(MIGRATE_SECRET, {
    "helm.sh/hook": "pre-install,pre-upgrade",
    "helm.sh/hook-weight": "-10",
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
  });
}

/**
 * The hub's token keys in the chart's own Secret `<fullname>-auth`: the key set (auth.keys) as
 * JSON under jwt-keys, else one key (auth.jwtSecret, or generated) under jwt-secret.
 */
function hubKeys(add: Add, checks: Check[]): void {
  const keys = ref("auth.keys");
  const keySet = count(keys);
  const own = not(ref("auth.existingSecret"));
  add(
    "hub-auth-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: objectMeta("hub", "auth"),
      type: "Opaque",
      stringData: {
        [AUTH_KEYS_KEY]: when(keySet, v(toJson(keys))),
        [AUTH_SECRET_KEY]: when(
          not(keySet),
          v(secretValue(nameOf("auth"), lit(AUTH_SECRET_KEY), ref("auth.jwtSecret"), generate)),
        ),
      },
    } satisfies k.ISecret,
    own,
    { credentials: true },
  );

  const signing = ref("auth.signingKeyId");
  checks.push(
    {
      failWhen: and(not(generate), own, not(keySet), not(ref("auth.jwtSecret"))),
      message:
        "generateSecrets is false: give the hub's token keys as auth.existingSecret (a Secret you create), auth.keys or auth.jwtSecret",
    },
    {
      failWhen: and(keySet, ref("auth.jwtSecret")),
      message: "auth.keys and auth.jwtSecret: give one (the hub refuses both)",
    },
    {
      failWhen: and(own, keySet, signing, not(hasKey(keys, signing))),
      message: "auth.signingKeyId names no key of auth.keys",
    },
    {
      failWhen: and(own, gt(keySet, lit(1)), not(signing)),
      message:
        "auth.keys holds several keys: name the one new tokens are signed with in auth.signingKeyId",
    },
    {
      failWhen: and(signing, listHas(ref("auth.revokedKeyIds"), signing)),
      message: "auth.signingKeyId is one of auth.revokedKeyIds",
    },
  );
}
