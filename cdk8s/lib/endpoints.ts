/**
 * Where the services' dependencies are — Kafka, PostgreSQL, Redis and the OpenTelemetry collector,
 * each run in the release (by an operator or the chart) or outside it — and which Secret and key
 * hold each credential. The ConfigMap, the containers, the autoscaler and the NetworkPolicies all
 * read these, so that they agree.
 */
import {
  and,
  cat,
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
export const kafkaUser = orElse(ref("kafka.operator.userName"), nameOf("app"));
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
export const kafkaUsername = ifElse(kafkaOperator, kafkaUser, ref("kafka.external.sasl.username"));
/** The SASL password: the KafkaUser's Secret, an existing one, or the chart's kafka-client. */
export const kafkaPassword = credential({
  operator: { on: kafkaOperator, secret: kafkaUser },
  existingSecret: ref("kafka.external.sasl.existingSecret"),
  existingKey: ref("kafka.external.sasl.passwordKey"),
  own: "kafka-client",
  key: "password",
  value: ref("kafka.external.sasl.password"),
});

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

// --- the hub's token key -------------------------------------------------------------------------

export const jwtSigningKey = credential({
  existingSecret: ref("auth.existingSecret"),
  existingKey: ref("auth.jwtSecretKey"),
  own: "auth",
  key: "jwt-secret",
  value: ref("auth.jwtSecret"),
});

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
