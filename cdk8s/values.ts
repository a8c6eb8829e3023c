/**
 * The chart's values, defined once. values.yaml, values.schema.json, the TypeScript `Values`
 * type and the `.Values` references in the templates all come from this definition.
 *
 * The defaults are the "main" production-shaped install with in-cluster infrastructure run by
 * the Strimzi, CloudNativePG and KEDA operators; deploy/values-*.yaml adjust them.
 */
import {
  bool,
  defaults,
  group,
  int,
  json,
  type JsonSchema,
  jsonSchema,
  refs,
  str,
  type ValuesOf,
} from "./lib/schema.ts";

const QUANTITY: JsonSchema = {
  anyOf: [{ type: "string", pattern: "^[0-9.]+[a-zA-Z]*$" }, { type: "number", minimum: 0 }],
};

const RESOURCES: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["requests", "limits"],
  properties: {
    requests: {
      type: "object",
      additionalProperties: QUANTITY,
      required: ["cpu", "memory"],
    },
    limits: {
      type: "object",
      additionalProperties: QUANTITY,
      required: ["cpu", "memory"],
    },
  },
};

export interface Resources {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

function resources(cpuReq: string, memReq: string, cpuLim: string, memLim: string, what: string) {
  return json<Resources>(
    { requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory: memLim } },
    `CPU and memory requests and limits of ${what} (both required).`,
    RESOURCES,
  );
}

const PEERS: JsonSchema = { type: "array", items: { type: "object" } };
const PORTS: JsonSchema = {
  type: "array",
  items: {
    type: "object",
    required: ["port"],
    properties: {
      port: { type: "integer", minimum: 1, maximum: 65535 },
      protocol: { enum: ["TCP", "UDP", "SCTP"] },
    },
  },
};
const STRING_MAP: JsonSchema = { type: "object", additionalProperties: { type: "string" } };
/** Kubernetes CronJob schedules: five fields (no seconds, no CRON_TZ=), or a macro. */
const CRON_SCHEDULE =
  "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*/,?-]+( +[0-9A-Za-z*/,?LW#-]+){4})$";
const IMAGE_TAG = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";
/** An OCI content digest as registries give it; empty: pull by tag. */
const IMAGE_DIGEST = "^(|sha256:[a-f0-9]{64})$";
/** A key id of the hub's key set (src/config/auth.ts). */
const KEY_ID = "^[A-Za-z0-9._-]{1,64}$";

/** Hosts for --allow-net (deno_permissions.ts). */
function hosts(doc: string) {
  return json<string[]>([], doc, {
    type: "array",
    items: { type: "string", pattern: "^(\\*\\.)?[A-Za-z0-9.\\[\\]:_-]+(:[0-9]{1,5})?$" },
  });
}

function digest(what: string) {
  return str(
    "",
    `Digest of ${what} (sha256:<64 hex>). Set: pulled as <repository>@<digest>, so a re-pushed tag changes nothing; tag then only labels the objects. Empty: pulled by tag.`,
    { pattern: IMAGE_DIGEST },
  );
}

export type NetPeer = Record<string, unknown>;
export interface ExternalKafkaUser {
  username: string;
  existingSecret: string;
  passwordKey?: string;
}
export type NetPort = { port: number; protocol?: string };

function image(repository: string, tag: string, what: string) {
  return group(`The ${what} image.`, {
    repository: str(repository, `Image repository of ${what}.`, { minLength: 1 }),
    tag: str(tag, `Image tag of ${what} (pinned; "latest" is refused).`, {
      pattern: IMAGE_TAG,
      minLength: 1,
    }),
    digest: digest(what),
  }, { properties: { tag: { not: { const: "latest" } } } });
}

function cpuAutoscaling(min: number, max: number, what: string) {
  return group(`HorizontalPodAutoscaler on CPU for ${what}.`, {
    enabled: bool(true, `Scale ${what} on CPU (the Deployment then leaves replicas to the HPA).`),
    minReplicas: int(min, "Fewest replicas.", { min: 1, max: 100 }),
    maxReplicas: int(max, "Most replicas.", { min: 1, max: 500 }),
    targetCPUUtilizationPercentage: int(70, "Average CPU utilisation (% of requests) to keep.", {
      min: 10,
      max: 100,
    }),
  });
}

function metricsPort() {
  return int(
    9464,
    "METRICS_PORT: Prometheus /metrics (text format) over HTTP, which the PodMonitor scrapes.",
    { min: 1024, max: 65535 },
  );
}

function storage(size: string, what: string) {
  return group(`Persistent storage of ${what}.`, {
    size: str(size, `Volume size of ${what}.`, { pattern: "^[0-9]+(Ki|Mi|Gi|Ti)$" }),
    storageClass: str("", "StorageClass; empty: the cluster's default."),
  });
}

export const VALUES = group(
  "Ovenline: a pizza chain's order pipeline (intake, consumer, promoter, hub).",
  {
    fullnameOverride: str(
      "",
      "Prefix of every object's name. Empty: the release name, plus -ovenline unless it already contains ovenline.",
      { pattern: "^([a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?)?$" },
    ),
    image: group(
      "The one Ovenline image; every service and the migration job run it with their own command.",
      {
        repository: str("ovenline", "Image repository (set it to your registry's path).", {
          minLength: 1,
        }),
        tag: str("", 'Image tag. Empty: the chart\'s appVersion. "latest" is refused.', {
          pattern: `^(|${IMAGE_TAG.slice(1, -1)})$`,
        }),
        digest: digest("the Ovenline image"),
        pullPolicy: str("IfNotPresent", "imagePullPolicy of every Ovenline container.", {
          enum: ["IfNotPresent", "Always", "Never"],
        }),
        pullSecrets: json<{ name: string }[]>([], "Image pull Secrets, as [{name: ...}].", {
          type: "array",
          items: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: { name: { type: "string", minLength: 1 } },
          },
        }),
      },
      { properties: { tag: { not: { const: "latest" } } } },
    ),
    generateSecrets: bool(
      true,
      "Generate the secrets that neither a value nor an existing Secret gives (Redis's password, the hub's token key) at install, and keep them on upgrade (Helm's lookup). false: never generate; the chart refuses to render until each comes from values or an existing Secret. Set false wherever the chart is rendered without a cluster (helm template, Argo CD, Flux): lookup sees nothing there, so a generated secret would change on every render.",
    ),
    denoPermissions: group(
      "What each Ovenline process may reach: its deno run command allows only the hosts of its configured endpoints (--allow-net), the files it reads (--allow-read), the variables the chart sets for it (--allow-env; other variables read as unset) and no other system information than it needs.",
      {
        extraHosts: group(
          "Hosts (host, host:port, or *.domain:port for a domain and its subdomains) the processes that connect to a dependency may also reach, beyond those of its configured endpoint.",
          {
            kafka: hosts(
              "Kafka brokers an external Kafka advertises under other names than those in kafka.external.brokers.",
            ),
            postgres: hosts(
              "The host:port of the PostgreSQL whose URL is in postgres.external.existingSecret (required then: the chart cannot read the Secret).",
            ),
            redis: hosts("More Redis hosts (a Redis that redirects elsewhere)."),
          },
        ),
      },
    ),
    logLevel: str("info", "LOG_LEVEL of every service.", {
      enum: ["debug", "info", "warn", "error"],
    }),
    configRefreshMs: int(
      5000,
      "CONFIG_REFRESH_MS: how often menu and kitchen settings are re-read without a change notice.",
      { min: 100, max: 600000 },
    ),
    defaultKitchenId: str("main", "DEFAULT_KITCHEN_ID of intake and hub.", { minLength: 1 }),
    podAnnotations: json<Record<string, string>>(
      {},
      "Annotations added to every Ovenline pod.",
      STRING_MAP,
    ),
    nodeSelector: json<Record<string, string>>(
      {},
      "nodeSelector of every Ovenline pod.",
      STRING_MAP,
    ),
    tolerations: json<unknown[]>([], "Tolerations of every Ovenline pod.", {
      type: "array",
      items: { type: "object" },
    }),
    topologySpread: group(
      "How replicas of each service, the Kafka nodes and the PostgreSQL instances spread over zones and nodes.",
      {
        zoneKey: str("topology.kubernetes.io/zone", "Node label of the zone.", { minLength: 1 }),
        hostKey: str("kubernetes.io/hostname", "Node label of the node.", { minLength: 1 }),
        whenUnsatisfiable: str(
          "ScheduleAnyway",
          "What the scheduler does when it cannot spread. DoNotSchedule also makes one Kafka node, and one PostgreSQL instance, per node a requirement (else a preference).",
          {
            enum: ["ScheduleAnyway", "DoNotSchedule"],
          },
        ),
      },
    ),

    kafka: group("Kafka: the pizza-orders log between intake, consumer and hub.", {
      operator: group("A Kafka cluster run by the Strimzi operator (kafka.strimzi.io/v1, KRaft).", {
        enabled: bool(
          true,
          "Create Kafka, KafkaNodePool, KafkaTopic and KafkaUser resources. false: use kafka.external.",
        ),
        clusterName: str("", "Name of the Kafka resource. Empty: <fullname>-kafka.", {
          pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
        }),
        version: str("", "Kafka version. Empty: the operator's default.", {
          pattern: "^([0-9]+\\.[0-9]+\\.[0-9]+)?$",
        }),
        nodes: int(3, "Nodes of the KafkaNodePool (each both KRaft controller and broker).", {
          min: 1,
          max: 9,
        }),
        storageType: str(
          "persistent-claim",
          "Node storage: persistent-claim, or ephemeral for throw-away clusters.",
          {
            enum: ["persistent-claim", "ephemeral"],
          },
        ),
        rackTopologyKey: str(
          "",
          "Rack awareness: the node label whose value is each broker's rack (e.g. topology.kubernetes.io/zone), so that a partition's replicas go to different racks. Needs the label on every node and Strimzi's node-reading ClusterRoleBinding. Empty: off.",
        ),
        storage: storage("20Gi", "each Kafka node"),
        resources: resources("500m", "2Gi", "2", "2Gi", "each Kafka node"),
      }),
      external: group("An existing Kafka, used when kafka.operator.enabled is false.", {
        brokers: str("", "KAFKA_BROKERS: comma-separated host:port list."),
        tls: bool(true, "Connect with TLS."),
        caSecret: str(
          "",
          "Secret with the brokers' CA certificate (key ca.crt), for brokers whose certificates come from a private CA. Empty: only the public CAs Deno bundles (Mozilla's) are trusted, not the image's system store.",
        ),
        sasl: group("SASL authentication against the existing Kafka.", {
          enabled: bool(true, "Authenticate with SASL."),
          mechanism: str("scram-sha-512", "SASL mechanism.", {
            enum: ["scram-sha-512", "scram-sha-256"],
          }),
          username: str("", "SASL user name."),
          existingSecret: str(
            "",
            "Secret holding the password. Empty: the chart creates one from password.",
          ),
          passwordKey: str("password", "Key of the password in the Secret.", { minLength: 1 }),
          password: str("", "SASL password (only when existingSecret is empty)."),
          users: json<Record<string, ExternalKafkaUser>>(
            {},
            "A user of its own per client, as on the operator's Kafka: {intake|consumer|hub|keda|dlq: {username, existingSecret, passwordKey}}. A client listed here connects as that user with the password in that Secret (key passwordKey, default password); the others as username above.",
            {
              type: "object",
              additionalProperties: false,
              properties: Object.fromEntries(
                ["intake", "consumer", "hub", "keda", "dlq"].map((client) => [client, {
                  type: "object",
                  additionalProperties: false,
                  required: ["username", "existingSecret"],
                  properties: {
                    username: { type: "string", minLength: 1 },
                    existingSecret: { type: "string", minLength: 1 },
                    passwordKey: { type: "string", minLength: 1 },
                  },
                }]),
              ),
            },
          ),
        }),
      }),
      topic: group("The orders topic.", {
        name: str("pizza-orders", "KAFKA_TOPIC.", { minLength: 1 }),
        partitions: int(6, "Partitions; also the most consumer replicas that can share the work.", {
          min: 1,
          max: 1000,
        }),
        replicas: int(3, "Replication factor.", { min: 1, max: 9 }),
        minInSyncReplicas: int(2, "min.insync.replicas (acks=all waits for this many).", {
          min: 1,
          max: 9,
        }),
        retentionMs: int(86400000, "retention.ms: how long orders stay in the log (24 h).", {
          min: 3600000,
        }),
        totalRetentionBytes: int(
          5368709120,
          "Size cap of the whole topic (5 GiB); retention.bytes is per partition, so each partition gets this divided by partitions.",
          { min: 1048576 },
        ),
        segmentBytes: int(
          134217728,
          "segment.bytes (128 MiB); keep it below the per-partition cap so the cap can delete.",
          {
            min: 1048576,
          },
        ),
      }),
      deadLetterTopic: group("The dead-letter topic.", {
        name: str("pizza-orders.dlq", "KAFKA_DLQ_TOPIC.", { minLength: 1 }),
        partitions: int(1, "Partitions of the dead-letter topic.", { min: 1, max: 100 }),
        retentionMs: int(
          1209600000,
          "retention.ms of dead letters (14 days: time to inspect and replay).",
          {
            min: 3600000,
          },
        ),
      }),
      consumerGroup: str("order-service-stable-group", "KAFKA_GROUP_ID of the consumer.", {
        minLength: 1,
      }),
      sendTimeoutMs: int(5000, "KAFKA_SEND_TIMEOUT_MS of intake and hub.", {
        min: 100,
        max: 60000,
      }),
    }, {
      if: { properties: { operator: { properties: { enabled: { const: false } } } } },
      then: { properties: { external: { properties: { brokers: { minLength: 1 } } } } },
    }),

    postgres: group("PostgreSQL: the record of orders, menu and kitchens.", {
      operator: group("A PostgreSQL cluster run by the CloudNativePG operator.", {
        enabled: bool(true, "Create a CloudNativePG Cluster. false: use postgres.external."),
        clusterName: str("", "Name of the Cluster. Empty: <fullname>-pg.", {
          pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$",
        }),
        instances: int(3, "PostgreSQL instances (one primary, the rest replicas).", {
          min: 1,
          max: 9,
        }),
        imageName: str("", "PostgreSQL operand image. Empty: the operator's default."),
        maxConnections: int(
          0,
          "max_connections of the Cluster. 0: the worst case of the services' pools at the most replicas the values allow, during a rolling update, plus 20; a number below that is refused.",
          { min: 0, max: 10000 },
        ),
        database: str("ovenline", "Database created by initdb.", { minLength: 1 }),
        owner: str("ovenline", "Owner of the database (the services' role).", { minLength: 1 }),
        storage: storage("20Gi", "each PostgreSQL instance"),
        resources: resources("250m", "1Gi", "2", "2Gi", "each PostgreSQL instance"),
        backup: group("Scheduled backups (CloudNativePG ScheduledBackup).", {
          enabled: bool(false, "Create a ScheduledBackup."),
          schedule: str("0 0 2 * * *", "Cron schedule with seconds (CloudNativePG's six fields).", {
            minLength: 1,
          }),
          method: str("volumeSnapshot", "Backup method.", {
            enum: ["volumeSnapshot", "plugin"],
          }),
          volumeSnapshotClass: str(
            "",
            "VolumeSnapshotClass for the volumeSnapshot method. Empty: the cluster's default one.",
          ),
          walArchive: bool(
            true,
            "Archive WAL continuously with the plugin (pluginName, pluginParameters) besides volume snapshots, for point-in-time recovery. false: snapshots restore only to when they were taken. The plugin method always archives WAL.",
          ),
          pluginName: str(
            "barman-cloud.cloudnative-pg.io",
            "CNPG-I plugin for the plugin method's backups and for the WAL archive.",
          ),
          pluginParameters: json<Record<string, string>>(
            { barmanObjectName: "ovenline-backups" },
            "Parameters of the backup plugin (for Barman Cloud: the ObjectStore's name).",
            STRING_MAP,
          ),
        }),
      }),
      external: group("An existing PostgreSQL, used when postgres.operator.enabled is false.", {
        url: str(
          "",
          "DATABASE_URL (postgres://user:password@host:5432/db); the chart keeps it in a Secret.",
        ),
        existingSecret: str("", "Secret holding the URL instead of url."),
        urlKey: str("uri", "Key of the URL in existingSecret.", { minLength: 1 }),
        caSecret: str(
          "",
          "Secret with the CA certificate (key ca.crt) of a PostgreSQL whose certificate comes from a private CA: the services then connect with TLS and verify the server and its host name against it (DATABASE_TLS_CA_FILE; sslmode=verify-full whatever the URL says). Empty: the URL's sslmode, trusting only the public CAs Deno bundles.",
        ),
        maxConnections: int(
          0,
          "Connections the existing PostgreSQL grants Ovenline. 0: unknown; else the chart refuses values whose worst case (the services' pools at their most replicas, during a rolling update) exceeds it.",
          { min: 0, max: 100000 },
        ),
      }),
    }, {
      if: { properties: { operator: { properties: { enabled: { const: false } } } } },
      then: {
        properties: {
          external: {
            anyOf: [
              { properties: { url: { minLength: 1 } } },
              { properties: { existingSecret: { minLength: 1 } } },
            ],
          },
        },
      },
    }),

    redis: group("Redis: live state (slots, active orders, the KDS event stream).", {
      enabled: bool(
        true,
        "Run Redis in the release (a StatefulSet with an append-only file). false: use redis.external.",
      ),
      image: image("docker.io/library/redis", "7.4.2", "Redis"),
      storage: storage("2Gi", "Redis"),
      resources: resources("100m", "256Mi", "1", "1Gi", "Redis"),
      existingSecret: str(
        "",
        "Secret with the Redis password. Empty: the chart's Secret (password below, or generated once).",
      ),
      passwordKey: str("password", "Key of the password in the Secret.", { minLength: 1 }),
      password: str(
        "",
        "Redis password. Empty: generated at install and kept on upgrade (in-release Redis), or none (external Redis).",
      ),
      external: group("An existing Redis, used when redis.enabled is false.", {
        url: str("", "REDIS_URL, e.g. redis://redis.example:6379 or rediss://... for TLS."),
        caSecret: str(
          "",
          "Secret with the CA certificate (key ca.crt) of a rediss:// Redis whose certificate comes from a private CA (REDIS_TLS_CA_FILE). Empty: only the public CAs Deno bundles are trusted.",
        ),
      }),
    }, {
      if: { properties: { enabled: { const: false } } },
      then: { properties: { external: { properties: { url: { minLength: 1 } } } } },
    }),

    auth: group(
      "Bearer tokens of the hub's REST and WebSocket API: HS256 keys with key ids (kid), so that a key can be rotated and an old one revoked (docs/deploy.md, Hub tokens).",
      {
        existingSecret: str(
          "",
          'Secret holding the hub\'s keys instead of the chart\'s own: one key under jwtSecretKey (AUTH_JWT_SECRET, id keyId), or a key set under jwt-keys (AUTH_JWT_KEYS, JSON {"<kid>": "<key>"}); optionally signing-key-id and revoked-key-ids (comma-separated), which win over signingKeyId and revokedKeyIds below. Empty: the chart\'s Secret (keys, or jwtSecret, or generated once).',
        ),
        jwtSecretKey: str("jwt-secret", "Key of the single HS256 key in existingSecret.", {
          minLength: 1,
        }),
        jwtSecret: str(
          "",
          "AUTH_JWT_SECRET: one HS256 key (id keyId), at least 32 characters (the hub refuses a shorter one). Empty (and no keys): generated, unless generateSecrets is false.",
          { pattern: "^(|.{32,})$" },
        ),
        keyId: str(
          "k1",
          "AUTH_JWT_KEY_ID: the key id of jwtSecret (or of existingSecret's single key).",
          {
            pattern: KEY_ID,
          },
        ),
        keys: json<Record<string, string>>(
          {},
          "AUTH_JWT_KEYS: the key set, {<kid>: <HS256 key of at least 32 characters>}, kept in the chart's Secret. To rotate: add the new key, make it signingKeyId, and once every token signed with the old one has expired (tokenMaxLifetimeSeconds) revoke or drop the old one. Replaces jwtSecret.",
          {
            type: "object",
            propertyNames: { pattern: KEY_ID },
            additionalProperties: { type: "string", minLength: 32 },
          },
        ),
        signingKeyId: str(
          "",
          "AUTH_JWT_SIGNING_KEY_ID: the key new tokens are signed with. Empty: the only key that is not revoked (the hub refuses a set of several without one).",
          { pattern: `^(|${KEY_ID.slice(1, -1)})$` },
        ),
        revokedKeyIds: json<string[]>(
          [],
          "AUTH_JWT_REVOKED_KEY_IDS: key ids whose tokens the hub refuses from now on.",
          { type: "array", items: { type: "string", pattern: KEY_ID } },
        ),
        issuer: str("ovenline", "AUTH_JWT_ISSUER: the iss every token must carry.", {
          minLength: 1,
        }),
        audience: str("ovenline-hub", "AUTH_JWT_AUDIENCE: the aud every token must carry.", {
          minLength: 1,
        }),
        tokenMaxLifetimeSeconds: int(
          43200,
          "AUTH_TOKEN_MAX_LIFETIME_S: the longest token, and the longest chain of renewals (a shift).",
          { min: 60, max: 604800 },
        ),
      },
    ),

    otel: group(
      "OpenTelemetry: traces and metrics from every service (Deno's built-in OTEL_DENO).",
      {
        enabled: bool(true, "OTEL_DENO: export telemetry."),
        endpoint: str(
          "",
          "OTEL_EXPORTER_OTLP_ENDPOINT when the in-release collector is off (an existing collector).",
        ),
        protocol: str("http/protobuf", "OTEL_EXPORTER_OTLP_PROTOCOL.", {
          enum: ["http/protobuf", "http/json", "grpc"],
        }),
        collector: group("An OpenTelemetry Collector Deployment in the release.", {
          enabled: bool(true, "Run the collector; services export to it."),
          image: image(
            "docker.io/otel/opentelemetry-collector-contrib",
            "0.119.0",
            "the collector",
          ),
          replicas: int(1, "Collector replicas.", { min: 1, max: 20 }),
          resources: resources("100m", "128Mi", "500m", "512Mi", "the collector"),
          tracesEndpoint: str(
            "",
            "OTLP/HTTP base URL the collector sends traces to (e.g. Tempo's distributor, http://tempo-distributor:4318). Empty: logged only.",
          ),
          metricsEndpoint: str(
            "",
            "OTLP/HTTP base URL for the metrics the services push over OTLP: Deno's runtime metrics (Ovenline's own are at each service's /metrics, for Prometheus to scrape), e.g. Prometheus' OTLP receiver http://prometheus:9090/api/v1/otlp. Empty: logged only.",
          ),
          logsEndpoint: str(
            "",
            "OTLP/HTTP base URL the collector sends logs to (e.g. Loki's, http://loki-gateway/otlp). Empty: logged only.",
          ),
        }),
      },
    ),

    intake: group("intake: gRPC CreateOrder for customer apps.", {
      replicas: int(2, "Replicas when autoscaling is off.", { min: 1, max: 500 }),
      grpcPort: int(50051, "GRPC_PORT.", { min: 1024, max: 65535 }),
      metricsPort: metricsPort(),
      resources: resources("250m", "256Mi", "1", "512Mi", "intake"),
      autoscaling: cpuAutoscaling(2, 10, "intake"),
      tls: group("gRPC TLS at intake itself (usually the gateway terminates TLS instead).", {
        enabled: bool(false, "Serve gRPC over TLS (GRPC_TLS_*_FILE from secretName)."),
        secretName: str(
          "",
          "kubernetes.io/tls Secret (tls.crt, tls.key, optional ca.crt for client certs).",
        ),
        clientCA: bool(false, "Require client certificates signed by ca.crt."),
      }),
      customers: group(
        "Who intake's callers are (docs/security.md): customer tokens from the chain's identity provider, trusted backends-for-frontend over mutual TLS, or (trusted networks only) anonymous callers. At least one must be set.",
        {
          jwksUrl: str(
            "",
            "CUSTOMER_JWKS_URL: the identity provider's key set (its jwks_uri), fetched and cached by intake. Or jwks, or existingSecret.",
          ),
          jwks: str(
            "",
            "The identity provider's public key set as JSON text ({\"keys\": [...]}, each key with a kid), kept in the chart's Secret and read as CUSTOMER_JWKS_FILE (re-read when it changes).",
          ),
          existingSecret: str(
            "",
            "A Secret holding the key set instead (key jwksKey), e.g. kept current by your identity provider's tooling.",
          ),
          jwksKey: str("jwks.json", "Key of the key set in existingSecret.", { minLength: 1 }),
          issuer: str("", "CUSTOMER_JWT_ISSUER: the tokens' iss (required with a key set)."),
          audience: str("", "CUSTOMER_JWT_AUDIENCE: the tokens' aud (required with a key set)."),
          algorithms: json<string[]>(
            ["ES256", "RS256", "PS256", "EdDSA"],
            "CUSTOMER_JWT_ALGORITHMS: signature algorithms accepted (asymmetric only).",
            {
              type: "array",
              minItems: 1,
              items: { type: "string", pattern: "^(ES|RS|PS)(256|384|512)$|^EdDSA$" },
            },
          ),
          customerClaim: str("sub", "CUSTOMER_JWT_CLAIM: the claim that holds the customer id.", {
            minLength: 1,
          }),
          maxLifetimeSeconds: int(
            86_400,
            "CUSTOMER_JWT_MAX_LIFETIME_S: longest token lifetime accepted (exp − iat).",
            { min: 60, max: 2_592_000 },
          ),
          trustedBackends: json<string[]>(
            [],
            "TRUSTED_BFF_SUBJECTS: client certificate subjects (the CN, or CN=…,O=…) of trusted backends-for-frontend, which name the customer in the customer-id metadata. Needs intake.tls.enabled and intake.tls.clientCA.",
            { type: "array", items: { type: "string", minLength: 1, pattern: "^[^;]+$" } },
          ),
          allowAnonymous: bool(
            false,
            "ALLOW_ANONYMOUS_CUSTOMERS: believe the customer_id in the request when no token is sent (trusted networks only; the in-cluster load test needs it).",
          ),
        },
      ),
      orderIds: group(
        "Order ids are an HMAC of customer and idempotency key under a secret (ORDER_ID_SECRET), so outsiders cannot compute them.",
        {
          existingSecret: str(
            "",
            "A Secret holding the key (key secretKey) instead of the chart's.",
          ),
          secretKey: str("order-id-secret", "Key of the secret in existingSecret.", {
            minLength: 1,
          }),
          secret: str(
            "",
            "ORDER_ID_SECRET, at least 32 characters. Empty: generated once and kept (Helm lookup). With helm template or Argo CD give it or existingSecret: a new one on each render would give a retry across it another order id.",
            { pattern: "^(|.{32,})$" },
          ),
        },
      ),
      limits: group("Abuse limits (docs/security.md, Customer API).", {
        ordersPerCustomer: int(
          20,
          "RATE_LIMIT_ORDERS: new orders per customer, and per phone, in each window.",
          { min: 1, max: 1_000_000 },
        ),
        ordersPerPeer: int(
          60,
          "PEER_RATE_LIMIT_ORDERS: new orders per client address in each window (a trusted backend-for-frontend is exempt).",
          { min: 1, max: 1_000_000 },
        ),
        windowSeconds: int(60, "RATE_LIMIT_WINDOW_S and PEER_RATE_LIMIT_WINDOW_S.", {
          min: 1,
          max: 86_400,
        }),
        maxOpenOrders: int(
          3,
          "MAX_OPEN_ORDERS_PER_CUSTOMER: orders booked and not yet cooked per customer; 0: no cap.",
          { min: 0, max: 1_000 },
        ),
        slotSharePercent: int(
          25,
          "CUSTOMER_SLOT_SHARE_PERCENT: share of a slot's capacity one customer's open orders (and so one order) may take.",
          { min: 1, max: 100 },
        ),
        callsPerSecondPerConnection: int(
          20,
          "GRPC_CALLS_PER_S_PER_CONNECTION: calls per second per connection (bursts of twice that), per replica.",
          { min: 1, max: 1_000_000 },
        ),
        callsPerSecondPerPeer: int(
          100,
          "GRPC_CALLS_PER_S_PER_PEER: calls per second per client address (bursts of twice that), per replica.",
          { min: 1, max: 1_000_000 },
        ),
        maxInFlight: int(
          600,
          'INTAKE_MAX_IN_FLIGHT: the most CreateOrder calls served at once per replica; past the limit (this, or lower while the replica has a standing queue: shedTargetMs) the next call is refused at once (UNAVAILABLE, reason overloaded) instead of queueing. docs/capacity.md, "Load shedding".',
          { min: 1, max: 100_000 },
        ),
        shedTargetMs: int(
          100,
          "INTAKE_SHED_TARGET_MS: when even the quickest CreateOrder of a busy 100 ms took longer than this, the replica has a standing queue and admits a tenth fewer calls at once (down to maxInFlight / 20), growing back by a tenth per 100 ms otherwise.",
          { min: 1, max: 60_000 },
        ),
        lookupMisses: int(
          20,
          "LOOKUP_MISSES_LIMIT: failed GetOrder/WatchOrder/CancelOrder lookups per customer in 5 minutes (5× per client address).",
          { min: 1, max: 1_000_000 },
        ),
        trustedProxies: json<string[]>(
          ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"],
          "INTAKE_TRUSTED_PROXIES: CIDRs of proxies (the gateway's pods, nodes) whose x-forwarded-for names the client for the per-address limits. The default trusts in-cluster addresses; set [] when clients reach intake directly from such addresses.",
          { type: "array", items: { type: "string", pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" } },
        ),
      }),
      connections: group("HTTP/2 and WatchOrder limits per connection.", {
        maxConcurrentStreams: int(
          100,
          "GRPC_MAX_CONCURRENT_STREAMS: calls open at once on one connection.",
          {
            min: 1,
            max: 10_000,
          },
        ),
        maxAgeSeconds: int(
          1_800,
          "GRPC_MAX_CONNECTION_AGE_S: a connection is asked to go (GOAWAY) after this long.",
          {
            min: 1,
            max: 604_800,
          },
        ),
        maxAgeGraceSeconds: int(
          900,
          "GRPC_MAX_CONNECTION_AGE_GRACE_S: then its calls have this long to finish.",
          {
            min: 1,
            max: 604_800,
          },
        ),
        maxIdleSeconds: int(
          300,
          "GRPC_MAX_CONNECTION_IDLE_S: a connection without calls is closed after this long.",
          {
            min: 1,
            max: 604_800,
          },
        ),
        watchesPerConnection: int(
          16,
          "WATCH_MAX_PER_CONNECTION: WatchOrder streams at once per connection.",
          {
            min: 1,
            max: 10_000,
          },
        ),
        watchesPerOrder: int(
          8,
          "WATCH_MAX_PER_ORDER: WatchOrder streams at once per order, per replica.",
          {
            min: 1,
            max: 10_000,
          },
        ),
        watchesPerReplica: int(10_000, "WATCH_MAX_TOTAL: WatchOrder streams at once per replica.", {
          min: 1,
          max: 1_000_000,
        }),
        watchMaxSeconds: int(
          900,
          "WATCH_MAX_DURATION_S: a WatchOrder stream ends (UNAVAILABLE, watch again) after this long.",
          {
            min: 1,
            max: 604_800,
          },
        ),
      }),
    }),
    consumer: group("consumer: applies pizza-orders to Redis and PostgreSQL.", {
      replicas: int(2, "Replicas when KEDA autoscaling is off.", { min: 1, max: 1000 }),
      healthPort: int(8081, "HEALTH_PORT: /healthz and /readyz.", {
        min: 1024,
        max: 65535,
      }),
      metricsPort: metricsPort(),
      resources: resources("250m", "256Mi", "1", "512Mi", "consumer"),
      autoscaling: group("KEDA ScaledObject on the consumer group's lag.", {
        enabled: bool(true, "Scale the consumer on Kafka lag (needs the KEDA operator)."),
        minReplicas: int(1, "Fewest replicas (at least 1: orders keep flowing at quiet times).", {
          min: 1,
          max: 1000,
        }),
        maxReplicas: int(
          0,
          "Most replicas; 0: the topic's partitions. Never above kafka.topic.partitions (more consumers than partitions sit idle).",
          {
            min: 0,
            max: 1000,
          },
        ),
        lagThreshold: int(100, "Target lag per replica (messages).", { min: 1 }),
        activationLagThreshold: int(0, "Lag above which KEDA activates scaling.", { min: 0 }),
        pollingInterval: int(15, "Seconds between lag checks.", { min: 1, max: 3600 }),
        cooldownPeriod: int(
          300,
          "Seconds the lag must stay low before the consumer scales in (the HPA's scale-down window).",
          { min: 1, max: 3600 },
        ),
        kafkaVersion: str(
          "3.6.0",
          "Kafka protocol version KEDA's client speaks (Kafka 4 refuses the scaler's old default).",
          {
            pattern: "^[0-9]+\\.[0-9]+\\.[0-9]+$",
          },
        ),
      }),
    }),
    promoter: group("promoter: shows due orders on the KDS (Redis only).", {
      replicas: int(2, "Replicas (safe with several).", { min: 1, max: 20 }),
      healthPort: int(8082, "PROMOTER_HEALTH_PORT: /healthz and /readyz.", {
        min: 1024,
        max: 65535,
      }),
      metricsPort: metricsPort(),
      resources: resources("100m", "128Mi", "500m", "256Mi", "promoter"),
    }),
    hub: group("hub: KDS and ERP over WebSockets and REST.", {
      replicas: int(2, "Replicas when autoscaling is off.", { min: 1, max: 500 }),
      port: int(8080, "HUB_PORT: REST, WebSockets, pages, /healthz and /readyz.", {
        min: 1024,
        max: 65535,
      }),
      metricsPort: metricsPort(),
      resources: resources("250m", "256Mi", "1", "512Mi", "hub"),
      autoscaling: cpuAutoscaling(2, 10, "hub"),
    }),
    kitchenOperator: group(
      "The Kitchen operator (src/services/kitchen_operator): reconciles Kitchen resources (kitchens.ovenline.dev, installed from the chart's crds/) into the live kitchen configuration. With it on, Kitchen resources are the one source of kitchen settings: the hub's API and dashboard edit them (KITCHEN_CONFIG_SOURCE=kubernetes). See docs/kitchen-operator.md.",
      {
        enabled: bool(
          false,
          "Run the operator (its own ServiceAccount, Role and Lease) and switch the hub to editing Kitchen resources.",
        ),
        replicas: int(2, "Replicas; one leads (holds the Lease), the others stand by.", {
          min: 1,
          max: 5,
        }),
        healthPort: int(8083, "KITCHEN_OPERATOR_HEALTH_PORT: /healthz and /readyz.", {
          min: 1024,
          max: 65535,
        }),
        leaseName: str(
          "",
          "LEASE_NAME: the coordination.k8s.io Lease the replicas elect a leader with. Empty: <fullname>-kitchen-operator.",
          { pattern: "^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$" },
        ),
        resyncSeconds: int(
          30,
          "Every Kitchen is reconciled again this often (today's booked load in its status; undoing changes made to the database behind its back).",
          { min: 5, max: 3600 },
        ),
        hubApplyWaitMs: int(
          5000,
          "KITCHEN_APPLY_WAIT_MS: how long the hub's PUT /kitchens/{id} waits for the operator to apply the change (200) before answering 202.",
          { min: 0, max: 60000 },
        ),
        resources: resources("50m", "160Mi", "500m", "320Mi", "the Kitchen operator"),
        apiServerTo: json<NetPeer[]>(
          [{ ipBlock: { cidr: "0.0.0.0/0" } }],
          "NetworkPolicy peers of the Kubernetes API server, for the operator and the hub (narrow to its addresses).",
          PEERS,
        ),
        apiServerPorts: json<NetPort[]>(
          [{ port: 443, protocol: "TCP" }, { port: 6443, protocol: "TCP" }],
          "Ports of the Kubernetes API server.",
          PORTS,
        ),
      },
    ),

    devMode: group("The developer loop (tilt up): change sources without rebuilding the image.", {
      enabled: bool(
        false,
        "Copy the image's src/ onto a writable emptyDir at pod start and run the services with deno --watch, so Tilt can sync changed files into running pods (the root filesystem stays read-only). Never in production.",
      ),
    }),

    migrations: group("Database migrations, run as a Job (Helm hook) before the services roll.", {
      enabled: bool(true, "Run the migration Job."),
      backoffLimit: int(10, "Retries (the database may still be starting).", { min: 0, max: 100 }),
      activeDeadlineSeconds: int(900, "Give up after this many seconds.", { min: 60 }),
      resources: resources("100m", "128Mi", "500m", "256Mi", "the migration job"),
    }),

    housekeeper: group(
      "The data lifecycle (src/services/housekeeper/main.ts), run as a CronJob: creates order partitions ahead, anonymises finished orders' personal data, archives and drops monthly partitions past retention.",
      {
        enabled: bool(true, "Create the housekeeper CronJob."),
        schedule: str(
          "30 3 * * *",
          "When it runs: a five-field cron expression or a macro such as @daily, in timeZone.",
          { pattern: CRON_SCHEDULE },
        ),
        timeZone: str(
          "Etc/UTC",
          "IANA time zone of the schedule. Empty: the kube-controller-manager's time zone.",
          { pattern: "^([A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*)?$" },
        ),
        anonymizeAfterDays: int(
          30,
          "ANONYMIZE_AFTER_DAYS: finished orders lose name, phone and address this many days after their last change.",
          { min: 1, max: 3650 },
        ),
        retentionMonths: int(
          12,
          "RETENTION_MONTHS: monthly order partitions older than this are archived and dropped.",
          { min: 1, max: 120 },
        ),
        backoffLimit: int(2, "Retries of a failed run (each step is safe to repeat).", {
          min: 0,
          max: 10,
        }),
        activeDeadlineSeconds: int(
          10800,
          "A run is stopped after this many seconds (keep it below the time between runs).",
          { min: 300 },
        ),
        resources: resources("100m", "128Mi", "500m", "512Mi", "the housekeeper"),
        archive: group(
          "ARCHIVE_DIR: where the archives of dropped partitions go (gzip JSON lines, one file a partition).",
          {
            persistent: bool(
              true,
              "Keep archives on a PersistentVolumeClaim, which helm uninstall leaves in place. false: an emptyDir that is deleted with each run's pod, so archives are lost (for throw-away clusters only).",
            ),
            storage: storage(
              "10Gi",
              "the archive volume (the emptyDir's size limit when not persistent)",
            ),
          },
        ),
      },
    ),

    deadLetterTool: group(
      "The dead-letter tool (src/services/dlq/main.ts) in the cluster: a Job with a Kafka user of its own that lists pizza-orders.dlq or sends dead letters back to pizza-orders (docs/runbooks/OvenlineDeadLetters.md).",
      {
        enabled: bool(
          false,
          "Run it: a Helm hook Job <fullname>-dlq, run again on every helm upgrade while enabled (kubectl logs job/<fullname>-dlq shows its output). Disable it afterwards.",
        ),
        args: json<string[]>(
          ["list"],
          "Its arguments: [list], [replay, <partition>:<offset>, ...] or [replay, --all].",
          {
            type: "array",
            minItems: 1,
            items: { type: "string", pattern: "^(list|replay|--all|[0-9]+:[0-9]+)$" },
          },
        ),
        resources: resources("50m", "128Mi", "500m", "256Mi", "the dead-letter tool"),
      },
    ),

    podMonitor: group(
      "Prometheus scraping (prometheus-operator PodMonitor of every metrics port).",
      {
        enabled: bool(false, "Create a PodMonitor for the services and the collector."),
        interval: str("30s", "Scrape interval.", { pattern: "^[0-9]+(ms|s|m)$" }),
        labels: json<Record<string, string>>(
          {},
          "Labels your Prometheus selects PodMonitors by.",
          STRING_MAP,
        ),
      },
    ),
    prometheusRule: group("Alert rules (PrometheusRule) from deploy/observability/alerts.yaml.", {
      enabled: bool(false, "Create the PrometheusRule."),
      labels: json<Record<string, string>>(
        {},
        "Labels your Prometheus selects rules by.",
        STRING_MAP,
      ),
    }),
    grafanaDashboard: group(
      "Grafana dashboard ConfigMap from deploy/observability/dashboard.json.",
      {
        enabled: bool(false, "Create the dashboard ConfigMap."),
        labels: json<Record<string, string>>(
          { grafana_dashboard: "1" },
          "Labels Grafana's dashboard sidecar selects by.",
          STRING_MAP,
        ),
      },
    ),

    gateway: group(
      "Traffic from outside through Gateway API routes (per-request L7 balancing of gRPC).",
      {
        enabled: bool(false, "Create a GRPCRoute for intake and an HTTPRoute for the hub."),
        parentRefs: json<Record<string, unknown>[]>(
          [{ name: "ovenline", sectionName: "https" }],
          "The Gateway (and listener) both routes attach to.",
          { type: "array", minItems: 1, items: { type: "object", required: ["name"] } },
        ),
        intakeHostnames: json<string[]>([], "Hostnames of the GRPCRoute.", {
          type: "array",
          items: { type: "string" },
        }),
        hubHostnames: json<string[]>([], "Hostnames of the HTTPRoute.", {
          type: "array",
          items: { type: "string" },
        }),
        envoyGateway: group(
          "Policies for Envoy Gateway (gateway.envoyproxy.io/v1alpha1), when it implements your Gateway: the Gateway API itself has no rate limits.",
          {
            intakeRateLimit: bool(
              false,
              "A BackendTrafficPolicy on intake's GRPCRoute: calls per client address (each address its own bucket, per Envoy replica).",
            ),
            intakeCallsPerMinute: int(
              600,
              "Calls per minute per client address to intake, at each Envoy replica.",
              { min: 1, max: 1_000_000 },
            ),
          },
        ),
      },
    ),
    ingress: group("Traffic from outside through Ingress (alternative to gateway).", {
      enabled: bool(false, "Create Ingresses for intake (gRPC) and the hub."),
      className: str("nginx", "ingressClassName.", { minLength: 1 }),
      intakeHost: str("", "Host of intake's gRPC Ingress.", { minLength: 0 }),
      hubHost: str("", "Host of the hub's Ingress."),
      tlsSecretName: str("", "TLS Secret for both hosts. Empty: no TLS section."),
      intakeAnnotations: json<Record<string, string>>(
        { "nginx.ingress.kubernetes.io/backend-protocol": "GRPC" },
        "Annotations of intake's Ingress (the controller must speak gRPC to the pods).",
        STRING_MAP,
      ),
      hubAnnotations: json<Record<string, string>>(
        {
          "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
          "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
        },
        "Annotations of the hub's Ingress (long timeouts keep WebSockets open).",
        STRING_MAP,
      ),
    }),

    networkPolicy: group("NetworkPolicies: pods reach only what docs/architecture.md lists.", {
      enabled: bool(true, "Create the NetworkPolicies (a deny-all plus one allowance per flow)."),
      gatewayNamespace: str(
        "gateway-system",
        "The namespace of your gateway's or ingress controller's pods (its kubernetes.io/metadata.name label): only they reach intake's gRPC port and the hub's HTTP port. Empty: none (ingressFrom only).",
        { pattern: "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$" },
      ),
      monitoringNamespace: str(
        "monitoring",
        "The namespace of your Prometheus: only its pods reach the metrics ports. Empty: none (prometheusFrom only).",
        { pattern: "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$" },
      ),
      ingressFrom: json<NetPeer[]>(
        [],
        "More peers allowed to reach intake's gRPC port and the hub's HTTP port, beyond gatewayNamespace (e.g. a podSelector for the gateway's own pods in the release's namespace).",
        PEERS,
      ),
      prometheusFrom: json<NetPeer[]>(
        [],
        "More peers allowed to scrape the metrics ports, beyond monitoringNamespace.",
        PEERS,
      ),
      dnsTo: json<NetPeer[]>(
        [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        "Where DNS is (port 53).",
        PEERS,
      ),
      externalTo: json<NetPeer[]>(
        [{ ipBlock: { cidr: "0.0.0.0/0" } }],
        "Where external Kafka, PostgreSQL, Redis and OpenTelemetry endpoints are (used only for those set external).",
        PEERS,
      ),
      externalKafkaPorts: json<NetPort[]>(
        [],
        "Ports of external Kafka beyond those in kafka.external.brokers (always opened).",
        PORTS,
      ),
      externalPostgresPorts: json<NetPort[]>(
        [],
        "Ports of external PostgreSQL beyond the one in postgres.external.url (always opened; 5432 when it names none). Required with postgres.external.existingSecret: the chart cannot read the URL in it.",
        PORTS,
      ),
      externalRedisPorts: json<NetPort[]>(
        [],
        "Ports of external Redis beyond the one in redis.external.url (always opened; 6379 when it names none).",
        PORTS,
      ),
      externalOtelPorts: json<NetPort[]>(
        [],
        "Ports of external OpenTelemetry endpoints beyond those in otel.endpoint and the collector's upstream endpoints (always opened; 80 or 443 by scheme when a URL names none).",
        PORTS,
      ),
    }),

    loadTest: group("An in-cluster k6 run (k6-operator TestRun) of a script from load/.", {
      enabled: bool(
        false,
        "Create the TestRun (it starts at once: enable it for a run, then disable).",
      ),
      script: str(
        "create_orders.js",
        "Script file in load/ (shipped in the chart's files/load/).",
        {
          pattern: "^[A-Za-z0-9_.-]+\\.js$",
        },
      ),
      parallelism: int(1, "Runner pods.", { min: 1, max: 100 }),
      arguments: str("", "Extra k6 arguments, e.g. --vus 50 --duration 5m."),
      runnerImage: image("docker.io/grafana/k6", "2.2.0", "the k6 runner"),
      starterImage: image(
        "ghcr.io/grafana/k6-operator",
        "starter-v1.6.0",
        "the k6-operator starter",
      ),
      resources: resources("500m", "256Mi", "2", "1Gi", "each k6 runner"),
    }),
  },
);

export type Values = ValuesOf<typeof VALUES>;
export const DEFAULTS: Values = defaults(VALUES);
export const SCHEMA: JsonSchema = jsonSchema(VALUES);
/** Typed `.Values` references: `ref("intake.replicas")` is an Expr<number>. */
export const ref = refs(VALUES);
