/**
 * Where the services' dependencies are — Kafka, PostgreSQL, Redis and the OpenTelemetry collector,
 * each run in the release (by an operator or the chart) or outside it — and which Secret and key
 * hold each credential. The ConfigMap, the containers, the autoscaler and the NetworkPolicies all
 * read these, so that they agree.
 */
import {
  and,
  cat,
  dig,
  eq,
  Expr,
  ifElse,
  lit,
  nonEmpty,
  not,
  or,
  orElse,
  releaseNamespace,
  splitNonEmpty,
  toJson,
} from "./expr.ts";
import { endpointPorts, secretData } from "./helpers.ts";
import { nameOf } from "./names.ts";
import { ref } from "../values.ts";

// --- what runs in the release ------------------------------------------------------------------

export const kafkaOperator = ref("kafka.operator.enabled");
export const pgOperator = ref("postgres.operator.enabled");
export const redisInRelease = ref("redis.enabled");
export const collectorOn = ref("otel.collector.enabled");

export const kafkaCluster = orElse(ref("kafka.operator.clusterName"), nameOf("kafka"));
export const pgCluster = orElse(ref("postgres.operator.clusterName"), nameOf("pg"));

// --- credentials -------------------------------------------------------------------------------

/** A Secret and the key in it that holds one credential. */
export interface SecretKey {
  readonly name: Expr<string>;
  readonly key: Expr<string>;
  /**
   * What changes when the credential does, where the chart can know it: the value from values,
   * an existing Secret's data in the cluster, nothing for an operator's Secret.
   */
  readonly fingerprint: Expr<string>;
}

/**
 * The Secret holding a credential: the operator's (when an operator runs the dependency), else an
 * existing Secret named in values (with its key from values), else the chart's own
 * `<fullname>-<own>`. The operator's Secret and the chart's own use the same key, `key`.
 */
function credential(opts: {
  readonly existingSecret: Expr<string>;
  readonly existingKey: Expr<string>;
  readonly own: string;
  readonly key: string;
  /** The value the chart's own Secret holds (from values; empty: generated once, then kept). */
  readonly value: Expr<string>;
  readonly operator?: { readonly on: Expr<boolean>; readonly secret: Expr<string> };
}): SecretKey {
  const named = orElse(opts.existingSecret, nameOf(opts.own));
  const key = lit(opts.key);
  const given = ifElse(opts.existingSecret, secretData(opts.existingSecret), opts.value);
  if (!opts.operator) {
    return {
      name: named,
      key: ifElse(opts.existingSecret, opts.existingKey, key),
      fingerprint: given,
    };
  }
  const { on, secret } = opts.operator;
  return {
    name: ifElse(on, secret, named),
    key: ifElse(and(not(on), opts.existingSecret), opts.existingKey, key),
    fingerprint: ifElse(on, lit("operator"), given),
  };
}

// --- Kafka -------------------------------------------------------------------------------------

export const kafkaBrokers = ifElse(
  kafkaOperator,
  cat(kafkaCluster, "-kafka-bootstrap:9093"),
  ref("kafka.external.brokers"),
);
/**
 * The brokers as a client in another namespace reaches them (KEDA's scaler runs in its own):
 * the bootstrap Service's namespace-qualified name, which Strimzi's certificates also carry.
 */
export const kafkaBrokersFromAnywhere = ifElse(
  kafkaOperator,
  cat(kafkaCluster, "-kafka-bootstrap.", releaseNamespace, ".svc:9093"),
  ref("kafka.external.brokers"),
);
export const kafkaTls = or(kafkaOperator, ref("kafka.external.tls"));
export const kafkaSasl = or(kafkaOperator, ref("kafka.external.sasl.enabled"));
export const kafkaMechanism = ifElse(
  kafkaOperator,
  lit("scram-sha-512"),
  ref("kafka.external.sasl.mechanism"),
);
export const kafkaCaSecret = ifElse(
  kafkaOperator,
  cat(kafkaCluster, "-cluster-ca-cert"),
  orElse(ref("kafka.external.caSecret"), nameOf("kafka-ca")),
);
export const kafkaHasCa = or(kafkaOperator, ref("kafka.external.caSecret"));
/** Where the containers mount the brokers' CA certificate. */
export const KAFKA_CA_DIR = "/etc/ovenline/kafka-ca";

/**
 * Who talks to Kafka, each as a user of its own: the three services, KEDA's lag scaler and the
 * dead-letter tool's Job. On the operator's Kafka each is a KafkaUser `<fullname>-kafka-<client>`
 * with only the ACLs it needs (infra/kafka.ts), whose Secret (key password) only that client reads.
 */
export const KAFKA_CLIENTS = ["intake", "consumer", "hub", "keda", "dlq"] as const;
export type KafkaClient = typeof KAFKA_CLIENTS[number];

const externalUsers = ref("kafka.external.sasl.users");

/** The KafkaUser of `client` (and so its Secret, which Strimzi names after it). */
export const kafkaUserOf = (client: KafkaClient): Expr<string> => nameOf(`kafka-${client}`);

/** KAFKA_SASL_USERNAME of `client`: its KafkaUser, or its external user, else the shared one. */
export function kafkaUsernameOf(client: KafkaClient): Expr<string> {
  return ifElse(
    kafkaOperator,
    kafkaUserOf(client),
    orElse(dig(externalUsers, client, "username"), ref("kafka.external.sasl.username")),
  );
}

/** The shared external password: an existing Secret, or the chart's kafka-client. */
const sharedKafkaPassword = credential({
  existingSecret: ref("kafka.external.sasl.existingSecret"),
  existingKey: ref("kafka.external.sasl.passwordKey"),
  own: "kafka-client",
  key: "password",
  value: ref("kafka.external.sasl.password"),
});

/** The SASL password of `client`: its KafkaUser's Secret, its own existing one, or the shared. */
export function kafkaPasswordOf(client: KafkaClient): SecretKey {
  const own = dig(externalUsers, client, "existingSecret");
  const ownKey = dig(externalUsers, client, "passwordKey", "password");
  const external = (pick: (k: SecretKey) => Expr<string>, mine: Expr<string>) =>
    ifElse(own, mine, pick(sharedKafkaPassword));
  return {
    name: ifElse(kafkaOperator, kafkaUserOf(client), external((k) => k.name, own)),
    key: ifElse(kafkaOperator, lit("password"), external((k) => k.key, ownKey)),
    fingerprint: ifElse(
      kafkaOperator,
      lit("operator"),
      external((k) => k.fingerprint, secretData(own)),
    ),
  };
}

// --- PostgreSQL --------------------------------------------------------------------------------

/** DATABASE_URL: CloudNativePG's `<cluster>-app` Secret, an existing one, or the chart's own. */
export const databaseUrl = credential({
  operator: { on: pgOperator, secret: cat(pgCluster, "-app") },
  existingSecret: ref("postgres.external.existingSecret"),
  existingKey: ref("postgres.external.urlKey"),
  own: "postgres",
  key: "uri",
  value: ref("postgres.external.url"),
});

/** The hook copy of an external database's URL (from values) that the migration Job reads. */
export const MIGRATE_SECRET = "postgres-migrate";

/** DATABASE_URL of the migration Job: the hook copy when the chart holds the URL, else the same. */
export const migrationDatabaseUrl: SecretKey = {
  ...databaseUrl,
  name: ifElse(
    and(not(pgOperator), not(ref("postgres.external.existingSecret"))),
    nameOf(MIGRATE_SECRET),
    databaseUrl.name,
  ),
};

// --- Redis ---------------------------------------------------------------------------------------

export const redisUrl = ifElse(
  redisInRelease,
  cat("redis://", nameOf("redis"), ":6379"),
  ref("redis.external.url"),
);
export const redisPassword = credential({
  existingSecret: ref("redis.existingSecret"),
  existingKey: ref("redis.passwordKey"),
  own: "redis",
  key: "password",
  value: ref("redis.password"),
});

// --- the hub's token keys ----------------------------------------------------------------------

const authExisting = ref("auth.existingSecret");
/** The Secret of the hub's keys: an existing one, else the chart's `<fullname>-auth`. */
export const authSecret = orElse(authExisting, nameOf("auth"));
/** Where the chart's own Secret keeps a key set (AUTH_JWT_KEYS) and the existing one may. */
export const AUTH_KEYS_KEY = "jwt-keys";
/** Where the chart's own Secret keeps a single key (AUTH_JWT_SECRET). */
export const AUTH_SECRET_KEY = "jwt-secret";

/** The hub's key material as the chart knows it (an existing Secret by its data in the cluster). */
const authFingerprint = ifElse(
  authExisting,
  secretData(authExisting),
  cat(ref("auth.jwtSecret"), "\n", toJson(ref("auth.keys"))),
);

const authEntry = (key: Expr<string>): SecretKey => ({
  name: authSecret,
  key,
  fingerprint: authFingerprint,
});

/**
 * The hub's token settings from the Secret, by environment variable. Each is optional: the Secret
 * holds one key (AUTH_JWT_SECRET) or a key set (AUTH_JWT_KEYS); an existing Secret may also hold
 * the signing key id and the revoked ids, which then win over those in the hub's ConfigMap.
 */
export const hubAuthSecrets: Readonly<Record<string, SecretKey>> = {
  AUTH_JWT_SECRET: authEntry(ifElse(authExisting, ref("auth.jwtSecretKey"), lit(AUTH_SECRET_KEY))),
  AUTH_JWT_KEYS: authEntry(lit(AUTH_KEYS_KEY)),
  AUTH_JWT_SIGNING_KEY_ID: authEntry(lit("signing-key-id")),
  AUTH_JWT_REVOKED_KEY_IDS: authEntry(lit("revoked-key-ids")),
};

// --- intake's order id key ----------------------------------------------------------------------

export const orderIdSecret = credential({
  existingSecret: ref("intake.orderIds.existingSecret"),
  existingKey: ref("intake.orderIds.secretKey"),
  own: "order-ids",
  key: "order-id-secret",
  value: ref("intake.orderIds.secret"),
});

// --- OpenTelemetry -------------------------------------------------------------------------------

export const otlpEndpoint = ifElse(
  collectorOn,
  cat(
    "http://",
    nameOf("otel-collector"),
    ":",
    ifElse(eq(ref("otel.protocol"), "grpc"), lit(4317), lit(4318)),
  ),
  ref("otel.endpoint"),
);

// --- ports of what is outside the release -----------------------------------------------------------

/**
 * The ports the NetworkPolicies open towards networkPolicy.externalTo for each external
 * dependency: the ones its configured URLs name (or their scheme's default), plus the extra ones
 * from networkPolicy.external*Ports.
 */
export const EXTERNAL_PORTS = {
  kafka: endpointPorts(
    splitNonEmpty(",", ref("kafka.external.brokers")),
    ref("networkPolicy.externalKafkaPorts"),
  ),
  // An existing Secret hides the URL from the chart: then only the listed ports.
  postgres: endpointPorts(
    nonEmpty(
      ifElse(ref("postgres.external.existingSecret"), lit(""), ref("postgres.external.url")),
    ),
    ref("networkPolicy.externalPostgresPorts"),
  ),
  redis: endpointPorts(
    nonEmpty(ref("redis.external.url")),
    ref("networkPolicy.externalRedisPorts"),
  ),
  otel: endpointPorts(nonEmpty(ref("otel.endpoint")), ref("networkPolicy.externalOtelPorts")),
  // intake fetches the customers' key set from the identity provider.
  customerKeys: endpointPorts(
    nonEmpty(ref("intake.customers.jwksUrl")),
    new Expr<{ port: number }[]>("(list)", () => [], "any"),
  ),
  collectorUpstream: endpointPorts(
    nonEmpty(
      ref("otel.collector.tracesEndpoint"),
      ref("otel.collector.metricsEndpoint"),
      ref("otel.collector.logsEndpoint"),
    ),
    ref("networkPolicy.externalOtelPorts"),
  ),
};
