/**
 * Every Kubernetes object of Ovenline, as one cdk8s Chart. Values are read through placeholders
 * (`v(ref("intake.replicas"))`), whole objects are gated (`{ when: ... }`), so the same tree
 * renders to Helm templates and to plain manifests (see render.ts).
 */
import { createHash } from "node:crypto";
import { ApiObject, App, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { parse as parseYaml } from "yaml";
import {
  and,
  cat,
  chartAppVersion,
  chartFile,
  chartFileNamed,
  div,
  eq,
  Expr,
  fromYaml,
  gt,
  ifElse,
  lit,
  not,
  or,
  orElse,
  releaseName,
  truthy,
  v,
  when,
  withEntries,
} from "./expr.ts";
import { fullname, secretValue } from "./helpers.ts";
import type { Check, RenderedObject } from "./render.ts";
import type * as k from "./k8s_types.ts";
import { type NetPeer, type NetPort, ref, type Resources } from "../values.ts";

export const CHART_NAME = "ovenline";
export const CHART_VERSION = "0.1.0";
export const APP_VERSION = "0.1.0";

/** The uid/gid of the `deno` user in the denoland/deno images (see Dockerfile). */
export const APP_UID = 1993;
/** The uid/gid of the `redis` user in the official redis image. */
const REDIS_UID = 999;
/** The collector-contrib image runs as this uid. */
const OTEL_UID = 10001;
const K6_UID = 12345;

/**
 * How every Ovenline process starts (see Dockerfile). Measured on Deno 2.8.3 as an unprivileged
 * user with a read-only DENO_DIR, node_modules and sources: all four services and the migration
 * run with these; none needs --allow-write; intake needs --allow-sys (uid, for proto-loader);
 * `--node-modules-dir=manual` keeps Deno from touching the node_modules the image installed.
 */
const DENO_FLAGS = [
  "--node-modules-dir=manual",
  "--frozen",
  "--cached-only",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-sys",
];
const devMode = ref("devMode.enabled");

// --- names and labels --------------------------------------------------------------------------

/** `<fullname>-<suffix>` */
const nameOf = (suffix: string): Expr<string> => cat(fullname, `-${suffix}`);
const n = (suffix: string): string => v(nameOf(suffix));

const kafkaOperator = ref("kafka.operator.enabled");
const pgOperator = ref("postgres.operator.enabled");
const redisInRelease = ref("redis.enabled");
const netpol = ref("networkPolicy.enabled");
const collectorOn = ref("otel.collector.enabled");

const kafkaCluster = orElse(ref("kafka.operator.clusterName"), nameOf("kafka"));
const kafkaUser = orElse(ref("kafka.operator.userName"), nameOf("app"));
const pgCluster = orElse(ref("postgres.operator.clusterName"), nameOf("pg"));

function labelExprs(component: string, partOf = true): Record<string, Expr<string> | string> {
  return {
    "app.kubernetes.io/name": CHART_NAME,
    "app.kubernetes.io/instance": releaseName,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/version": orElse(ref("image.tag"), chartAppVersion),
    "app.kubernetes.io/managed-by": "Helm",
    "helm.sh/chart": `${CHART_NAME}-${CHART_VERSION}`,
    ...(partOf ? { "app.kubernetes.io/part-of": CHART_NAME } : {}),
  };
}

function labels(component: string, partOf = true): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labelExprs(component, partOf)).map((
      [key, e],
    ) => [key, typeof e === "string" ? e : v(e)]),
  );
}

/** The chart's labels plus those from a values map (for objects other tools select by label). */
function labelsWith(
  component: string,
  extra: Expr<Record<string, string>>,
): Record<string, string> {
  return v(withEntries(labelExprs(component), extra));
}

function selector(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": CHART_NAME,
    "app.kubernetes.io/instance": v(releaseName),
    "app.kubernetes.io/component": component,
  };
}

/** Every pod of the release that the chart's NetworkPolicies govern. */
function ownPods(): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": CHART_NAME,
    "app.kubernetes.io/instance": v(releaseName),
  };
}

// --- derived settings (shared by several objects) ------------------------------------------------

const appImage = cat(ref("image.repository"), ":", orElse(ref("image.tag"), chartAppVersion));

const kafkaBrokers = ifElse(
  kafkaOperator,
  cat(kafkaCluster, "-kafka-bootstrap:9093"),
  ref("kafka.external.brokers"),
);
const kafkaTls = or(kafkaOperator, ref("kafka.external.tls"));
const kafkaSasl = or(kafkaOperator, ref("kafka.external.sasl.enabled"));
const kafkaMechanism = ifElse(
  kafkaOperator,
  lit("scram-sha-512"),
  ref("kafka.external.sasl.mechanism"),
);
const kafkaCaSecret = ifElse(
  kafkaOperator,
  cat(kafkaCluster, "-cluster-ca-cert"),
  orElse(ref("kafka.external.caSecret"), nameOf("kafka-ca")),
);
const kafkaHasCa = or(kafkaOperator, ref("kafka.external.caSecret"));
const KAFKA_CA_DIR = "/etc/ovenline/kafka-ca";
const kafkaUsername = ifElse(kafkaOperator, kafkaUser, ref("kafka.external.sasl.username"));
/** Secret and key holding the SASL password. */
const kafkaPasswordSecret = ifElse(
  kafkaOperator,
  kafkaUser,
  orElse(ref("kafka.external.sasl.existingSecret"), nameOf("kafka-client")),
);
const kafkaPasswordKey = ifElse(
  and(not(kafkaOperator), ref("kafka.external.sasl.existingSecret")),
  ref("kafka.external.sasl.passwordKey"),
  lit("password"),
);

const dbSecret = ifElse(
  pgOperator,
  cat(pgCluster, "-app"),
  orElse(ref("postgres.external.existingSecret"), nameOf("postgres")),
);
const dbSecretKey = ifElse(
  and(not(pgOperator), ref("postgres.external.existingSecret")),
  ref("postgres.external.urlKey"),
  lit("uri"),
);

const redisUrl = ifElse(
  redisInRelease,
  cat("redis://", nameOf("redis"), ":6379"),
  ref("redis.external.url"),
);
const redisSecret = orElse(ref("redis.existingSecret"), nameOf("redis"));
const redisKey = ifElse(ref("redis.existingSecret"), ref("redis.passwordKey"), lit("password"));

const jwtSecret = orElse(ref("auth.existingSecret"), nameOf("auth"));
const jwtKey = ifElse(ref("auth.existingSecret"), ref("auth.jwtSecretKey"), lit("jwt-secret"));

const otlpEndpoint = ifElse(
  collectorOn,
  cat(
    "http://",
    nameOf("otel-collector"),
    ":",
    ifElse(eq(ref("otel.protocol"), "grpc"), lit(4317), lit(4318)),
  ),
  ref("otel.endpoint"),
);

const partitions = ref("kafka.topic.partitions");
/** The consumer's most replicas: the value, or the partitions when it is 0. */
const consumerMax = ifElse(
  gt(ref("consumer.autoscaling.maxReplicas"), lit(0)),
  ref("consumer.autoscaling.maxReplicas"),
  partitions,
);
const retentionBytesPerPartition = div(ref("kafka.topic.totalRetentionBytes"), partitions);

// --- the chart ---------------------------------------------------------------------------------

export interface OvenlineChart {
  readonly app: App;
  readonly objects: RenderedObject[];
  readonly checks: Check[];
}

/** Files the chart ships in files/: name → content (synth copies them from the repository). */
export interface ChartFiles {
  readonly loadScripts: readonly string[];
}

export function buildChart(files: ChartFiles): OvenlineChart {
  const app = new App();
  const chart = new Chart(app, CHART_NAME, { disableResourceNameHashes: true });
  const objects: RenderedObject[] = [];
  const checks: Check[] = [];

  function add<T extends { apiVersion: string; kind: string }>(
    file: string,
    obj: T,
    gate?: Expr<unknown>,
  ): void {
    // cdk8s copies metadata.labels and .annotations entry by entry: a whole-map placeholder
    // (labels or annotations taken from values) goes around it and back in after toJson.
    const meta = (obj as { metadata?: Record<string, unknown> }).metadata ?? {};
    const wholeMaps = Object.fromEntries(
      ["labels", "annotations"].filter((key) => typeof meta[key] === "string").map((
        key,
      ) => [key, meta[key]]),
    );
    const props = { ...obj, metadata: { ...meta } } as Record<string, unknown> & {
      metadata: Record<string, unknown>;
    };
    for (const key of Object.keys(wholeMaps)) delete props.metadata[key];
    const api = new ApiObject(chart as Construct, file, props as never);
    objects.push({ file, json: {}, gate, api, wholeMaps } as RenderedObject & { api: ApiObject });
  }

  infrastructure(add, checks);
  config(add);
  services(add, checks);
  migrations(add);
  traffic(add);
  networkPolicies(add);
  telemetry(add);
  loadTest(add, checks, files);

  // cdk8s resolves and sanitises each object (sorted keys, no undefined).
  const resolved = objects.map((o) => {
    const { api, wholeMaps, ...rest } = o as RenderedObject & {
      api: ApiObject;
      wholeMaps: Record<string, unknown>;
    };
    const json = api.toJson() as Record<string, unknown> & { metadata: Record<string, unknown> };
    const metadata = { ...json.metadata, ...wholeMaps };
    json.metadata = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => a < b ? -1 : 1));
    return { ...rest, json };
  });
  return { app, objects: resolved, checks };
}

type Add = <T extends { apiVersion: string; kind: string }>(
  file: string,
  obj: T,
  gate?: Expr<unknown>,
) => void;

// --- pods ----------------------------------------------------------------------------------------

const CONTAINER_SECURITY: NonNullable<k.IContainer["securityContext"]> = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function podSecurity(uid: number): NonNullable<k.IPodSpec["securityContext"]> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function spread(component: string): k.IPodSpec["topologySpreadConstraints"] {
  return [ref("topologySpread.zoneKey"), ref("topologySpread.hostKey")].map((key) => ({
    maxSkew: 1,
    topologyKey: v(key),
    whenUnsatisfiable: v(ref("topologySpread.whenUnsatisfiable")),
    labelSelector: { matchLabels: selector(component) },
    matchLabelKeys: ["pod-template-hash"],
  }));
}

const TMP_VOLUME: k.IVolume = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };

function resources(path: Expr<Resources>): Resources {
  return v(path);
}

function secretEnv(name: string, secret: Expr<string>, key: Expr<string>, optional = false) {
  return {
    name,
    valueFrom: { secretKeyRef: { name: v(secret), key: v(key), optional } },
  };
}

/** Environment every Ovenline service shares: the ConfigMap plus the secrets. */
function commonEnv(service: string, usesDatabase: boolean): k.IEnvVar[] {
  return [
    { name: "OTEL_SERVICE_NAME", value: service },
    ...(usesDatabase ? [secretEnv("DATABASE_URL", dbSecret, dbSecretKey)] : []),
    secretEnv("REDIS_PASSWORD", redisSecret, redisKey, true),
    secretEnv("KAFKA_SASL_PASSWORD", kafkaPasswordSecret, kafkaPasswordKey, true),
  ];
}

function appContainer(
  service: string,
  script: string,
  env: k.IEnvVar[],
  ports: { name: string; containerPort: number }[],
  probes: Pick<k.IContainer, "readinessProbe" | "livenessProbe" | "startupProbe">,
  res: Expr<Resources>,
  extraMounts: NonNullable<k.IContainer["volumeMounts"]> = [],
): k.IContainer {
  return {
    name: service,
    image: v(appImage),
    imagePullPolicy: v(ref("image.pullPolicy")),
    // devMode: deno restarts the service when Tilt syncs a changed source file.
    command: ["deno", "run", when(devMode, "--watch"), ...DENO_FLAGS, script],
    envFrom: [{ configMapRef: { name: n("config") } }],
    env: [...commonEnv(service, service !== "promoter"), ...env],
    ports: ports.map((p) => ({ ...p, protocol: "TCP" })),
    ...probes,
    resources: resources(res),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      { name: "tmp", mountPath: "/tmp" },
      { name: "kafka-ca", mountPath: KAFKA_CA_DIR, readOnly: true },
      when(devMode, { name: "dev-src", mountPath: "/app/src" }),
      ...extraMounts,
    ],
  };
}

/** devMode: the image's sources copied onto the writable volume the service then runs from. */
function seedSourcesContainer(): k.IContainer {
  return {
    name: "dev-src",
    image: v(appImage),
    imagePullPolicy: v(ref("image.pullPolicy")),
    command: ["cp", "-R", "/app/src/.", "/dev-src/"],
    resources: resources(ref("migrations.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: "dev-src", mountPath: "/dev-src" }],
  };
}

function httpProbes(port: Expr<number>): Pick<
  k.IContainer,
  "readinessProbe" | "livenessProbe" | "startupProbe"
> {
  const p = v(port);
  return {
    startupProbe: {
      httpGet: { path: "/healthz", port: p },
      periodSeconds: 2,
      failureThreshold: 60,
    },
    livenessProbe: {
      httpGet: { path: "/healthz", port: p },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: "/readyz", port: p },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
  };
}

/** The migration command as an init container: the first install (operator-run PostgreSQL). */
function migrateContainer(): k.IContainer {
  return {
    name: "migrate",
    image: v(appImage),
    imagePullPolicy: v(ref("image.pullPolicy")),
    command: ["deno", "run", ...DENO_FLAGS, "src/adapters/postgres/migrate_cli.ts"],
    env: [secretEnv("DATABASE_URL", dbSecret, dbSecretKey)],
    resources: resources(ref("migrations.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

interface ServiceSpec {
  readonly component: string;
  readonly container: k.IContainer;
  readonly replicas: Expr<number>;
  /** Replicas are left to an autoscaler when this holds. */
  readonly autoscaled: Expr<unknown>;
  readonly usesDatabase: boolean;
  readonly automountToken?: Expr<boolean>;
  readonly extraVolumes?: k.IVolume[];
}

const configHash = new Expr<string>(
  `(include (print $.Template.BasePath "/config-configmap.yaml") $ | sha256sum)`,
  (c) => {
    // Plain manifests: a hash of the evaluated settings (the Helm side hashes its rendered text).
    const data = Object.fromEntries(
      Object.entries(CONFIG_DATA()).map(([key, e]) => [key, String(e.evaluate(c))]),
    );
    return createHash("sha256").update(JSON.stringify(data)).digest("hex");
  },
  "str",
);

function deployment(add: Add, s: ServiceSpec): void {
  const sa = n(s.component);
  add(
    `${s.component}-serviceaccount`,
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: sa, labels: labels(s.component) },
      automountServiceAccountToken: false,
    } satisfies k.IServiceAccount,
  );

  const spec: k.IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: n(s.component), labels: labels(s.component) },
    spec: {
      replicas: when(not(s.autoscaled), v(s.replicas)),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(s.component) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labels(s.component),
          annotations: v(withEntries({ "checksum/config": configHash }, ref("podAnnotations"))),
        },
        spec: {
          serviceAccountName: sa,
          automountServiceAccountToken: s.automountToken ? v(s.automountToken) : false,
          enableServiceLinks: false,
          securityContext: podSecurity(APP_UID),
          terminationGracePeriodSeconds: 30,
          imagePullSecrets: v(ref("image.pullSecrets")),
          initContainers: [
            when(devMode, seedSourcesContainer()),
            ...(s.usesDatabase ? [when(pgOperator, migrateContainer())] : []),
          ],
          containers: [s.container],
          nodeSelector: v(ref("nodeSelector")),
          tolerations: v(ref("tolerations")) as k.IPodSpec["tolerations"],
          topologySpreadConstraints: spread(s.component),
          volumes: [
            TMP_VOLUME,
            {
              name: "kafka-ca",
              secret: {
                secretName: v(kafkaCaSecret),
                optional: true,
                items: [{ key: "ca.crt", path: "ca.crt" }],
              },
            },
            when(devMode, { name: "dev-src", emptyDir: { sizeLimit: "256Mi" } }),
            ...(s.extraVolumes ?? []),
          ],
        },
      },
    },
  };
  add(`${s.component}-deployment`, spec);

  add(
    `${s.component}-pdb`,
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: n(s.component), labels: labels(s.component) },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector(s.component) } },
    } satisfies k.IPodDisruptionBudget,
  );
}

function service(
  add: Add,
  component: string,
  ports: { name: string; port: Expr<number>; appProtocol?: string }[],
): void {
  add(
    `${component}-service`,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        type: "ClusterIP",
        selector: selector(component),
        ports: ports.map((p) => ({
          name: p.name,
          port: v(p.port),
          targetPort: p.name,
          protocol: "TCP",
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
      },
    } satisfies k.IService,
  );
}

function cpuHpa(add: Add, component: "intake" | "hub"): void {
  const a = (leaf: string) =>
    ref(`${component}.autoscaling.${leaf}` as "intake.autoscaling.enabled");
  add(
    `${component}-hpa`,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n(component) },
        minReplicas: v(a("minReplicas") as unknown as Expr<number>),
        maxReplicas: v(a("maxReplicas") as unknown as Expr<number>),
        metrics: [{
          type: "Resource",
          resource: {
            name: "cpu",
            target: {
              type: "Utilization",
              averageUtilization: v(a("targetCPUUtilizationPercentage") as unknown as Expr<number>),
            },
          },
        }],
      },
    } satisfies k.IHorizontalPodAutoscaler,
    a("enabled"),
  );
}

function services(add: Add, checks: Check[]): void {
  // intake -------------------------------------------------------------------------------------
  const grpcPort = ref("intake.grpcPort");
  const tlsOn = ref("intake.tls.enabled");
  const TLS_DIR = "/etc/ovenline/grpc-tls";
  const grpcProbe = { port: v(grpcPort) };
  deployment(add, {
    component: "intake",
    replicas: ref("intake.replicas"),
    autoscaled: ref("intake.autoscaling.enabled"),
    usesDatabase: true,
    container: appContainer(
      "intake",
      "src/services/intake/main.ts",
      [
        { name: "GRPC_HOST", value: "0.0.0.0" },
        { name: "GRPC_PORT", value: v(cat(grpcPort)) },
        { name: "METRICS_PORT", value: v(cat(ref("intake.metricsPort"))) },
        { name: "GRPC_TLS_CERT_FILE", value: v(ifElse(tlsOn, lit(`${TLS_DIR}/tls.crt`), lit(""))) },
        { name: "GRPC_TLS_KEY_FILE", value: v(ifElse(tlsOn, lit(`${TLS_DIR}/tls.key`), lit(""))) },
        {
          name: "GRPC_TLS_CLIENT_CA_FILE",
          value: v(
            ifElse(and(tlsOn, ref("intake.tls.clientCA")), lit(`${TLS_DIR}/ca.crt`), lit("")),
          ),
        },
      ],
      [
        { name: "grpc", containerPort: v(grpcPort) },
        { name: "metrics", containerPort: v(ref("intake.metricsPort")) },
      ],
      {
        // Kubernetes' native gRPC probe asks grpc.health.v1 (plaintext only: with intake.tls
        // the probes check the TCP port instead).
        startupProbe: {
          grpc: when(not(tlsOn), grpcProbe),
          tcpSocket: when(tlsOn, grpcProbe),
          periodSeconds: 2,
          failureThreshold: 60,
        },
        livenessProbe: {
          grpc: when(not(tlsOn), grpcProbe),
          tcpSocket: when(tlsOn, grpcProbe),
          periodSeconds: 10,
          timeoutSeconds: 3,
          failureThreshold: 3,
        },
        readinessProbe: {
          grpc: when(not(tlsOn), grpcProbe),
          tcpSocket: when(tlsOn, grpcProbe),
          periodSeconds: 5,
          timeoutSeconds: 3,
          failureThreshold: 2,
        },
      },
      ref("intake.resources"),
      [{ name: "grpc-tls", mountPath: TLS_DIR, readOnly: true }],
    ),
    extraVolumes: [{
      name: "grpc-tls",
      secret: {
        secretName: v(orElse(ref("intake.tls.secretName"), nameOf("intake-tls"))),
        optional: true,
      },
    }],
  });
  service(add, "intake", [
    // h2c tells a Gateway to speak HTTP/2 cleartext to the pods (gRPC balanced per request).
    { name: "grpc", port: grpcPort, appProtocol: "kubernetes.io/h2c" },
    { name: "metrics", port: ref("intake.metricsPort") },
  ]);
  cpuHpa(add, "intake");
  checks.push({
    failWhen: and(tlsOn, not(ref("intake.tls.secretName"))),
    message: "intake.tls.enabled needs intake.tls.secretName",
  });
  checks.push({
    failWhen: gt(ref("intake.autoscaling.minReplicas"), ref("intake.autoscaling.maxReplicas")),
    message: "intake.autoscaling.minReplicas is above maxReplicas",
  });

  // consumer -----------------------------------------------------------------------------------
  const healthPort = ref("consumer.healthPort");
  deployment(add, {
    component: "consumer",
    replicas: ref("consumer.replicas"),
    autoscaled: ref("consumer.autoscaling.enabled"),
    usesDatabase: true,
    container: appContainer(
      "consumer",
      "src/services/consumer/main.ts",
      [{ name: "HEALTH_PORT", value: v(cat(healthPort)) }],
      [{ name: "metrics", containerPort: v(healthPort) }],
      httpProbes(healthPort),
      ref("consumer.resources"),
    ),
  });
  service(add, "consumer", [{ name: "metrics", port: healthPort }]);
  keda(add, checks);

  // promoter -----------------------------------------------------------------------------------
  const promoterPort = ref("promoter.healthPort");
  deployment(add, {
    component: "promoter",
    replicas: ref("promoter.replicas"),
    autoscaled: lit(false),
    usesDatabase: false,
    automountToken: ref("promoter.kitchenOperator.enabled"),
    container: appContainer(
      "promoter",
      "src/services/promoter/main.ts",
      [{ name: "PROMOTER_HEALTH_PORT", value: v(cat(promoterPort)) }],
      [{ name: "metrics", containerPort: v(promoterPort) }],
      httpProbes(promoterPort),
      ref("promoter.resources"),
    ),
  });
  service(add, "promoter", [{ name: "metrics", port: promoterPort }]);

  // hub ----------------------------------------------------------------------------------------
  const hubPort = ref("hub.port");
  deployment(add, {
    component: "hub",
    replicas: ref("hub.replicas"),
    autoscaled: ref("hub.autoscaling.enabled"),
    usesDatabase: true,
    container: appContainer(
      "hub",
      "src/services/hub/main.ts",
      [
        { name: "HUB_HOST", value: "0.0.0.0" },
        { name: "HUB_PORT", value: v(cat(hubPort)) },
        secretEnv("AUTH_JWT_SECRET", jwtSecret, jwtKey),
      ],
      [{ name: "http", containerPort: v(hubPort) }],
      httpProbes(hubPort),
      ref("hub.resources"),
    ),
  });
  service(add, "hub", [{ name: "http", port: hubPort }]);
  cpuHpa(add, "hub");
  checks.push({
    failWhen: gt(ref("hub.autoscaling.minReplicas"), ref("hub.autoscaling.maxReplicas")),
    message: "hub.autoscaling.minReplicas is above maxReplicas",
  });
}

function keda(add: Add, checks: Check[]): void {
  const on = ref("consumer.autoscaling.enabled");
  const auth = nameOf("consumer-kafka");
  add(
    "consumer-triggerauthentication",
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: { name: v(auth), labels: labels("consumer") },
      spec: {
        secretTargetRef: [
          when(kafkaSasl, { parameter: "username", name: n("kafka-client"), key: "username" }),
          when(kafkaSasl, {
            parameter: "password",
            name: v(kafkaPasswordSecret),
            key: v(kafkaPasswordKey),
          }),
          when(and(kafkaTls, kafkaHasCa), {
            parameter: "ca",
            name: v(kafkaCaSecret),
            key: "ca.crt",
          }),
        ],
      },
    } satisfies k.ITriggerAuthentication,
    on,
  );

  add(
    "consumer-scaledobject",
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: n("consumer"), labels: labels("consumer") },
      spec: {
        scaleTargetRef: { name: n("consumer") },
        minReplicaCount: v(ref("consumer.autoscaling.minReplicas")),
        maxReplicaCount: v(consumerMax),
        pollingInterval: v(ref("consumer.autoscaling.pollingInterval")),
        cooldownPeriod: v(ref("consumer.autoscaling.cooldownPeriod")),
        triggers: [{
          type: "kafka",
          metadata: {
            bootstrapServers: v(kafkaBrokers),
            consumerGroup: v(ref("kafka.consumerGroup")),
            topic: v(ref("kafka.topic.name")),
            lagThreshold: v(cat(ref("consumer.autoscaling.lagThreshold"))),
            activationLagThreshold: v(cat(ref("consumer.autoscaling.activationLagThreshold"))),
            // A new group starts from the earliest offset (DESIGN.md): count all of it as lag.
            offsetResetPolicy: "earliest",
            allowIdleConsumers: "false",
            version: v(ref("consumer.autoscaling.kafkaVersion")),
            tls: v(ifElse(kafkaTls, lit("enable"), lit("disable"))),
            sasl: v(
              ifElse(
                kafkaSasl,
                ifElse(
                  eq(kafkaMechanism, "scram-sha-256"),
                  lit("scram_sha256"),
                  lit("scram_sha512"),
                ),
                lit("none"),
              ),
            ),
          },
          authenticationRef: { name: v(auth) },
        }],
      },
    } satisfies k.IScaledObject,
    on,
  );

  checks.push({
    failWhen: gt(ref("consumer.autoscaling.maxReplicas"), partitions),
    message:
      "consumer.autoscaling.maxReplicas is above kafka.topic.partitions: extra consumers would sit idle",
  });
  checks.push({
    failWhen: gt(ref("consumer.autoscaling.minReplicas"), consumerMax),
    message:
      "consumer.autoscaling.minReplicas is above the most replicas (maxReplicas or partitions)",
  });
}

// --- configuration -------------------------------------------------------------------------------

/** The non-secret settings every service reads (one ConfigMap, envFrom). */
function CONFIG_DATA(): Record<string, Expr<unknown>> {
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

function config(add: Add): void {
  add(
    "config-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: n("config"), labels: labels("config") },
      data: Object.fromEntries(
        Object.entries(CONFIG_DATA()).map(([key, e]) => [key, v(e as Expr<string>)]),
      ),
    } satisfies k.IConfigMap,
  );

  // The chart's own secrets; each is left out when an existing Secret is named instead.
  add(
    "redis-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: n("redis"), labels: labels("redis") },
      type: "Opaque",
      stringData: {
        password: v(
          secretValue(nameOf("redis"), lit("password"), ref("redis.password"), redisInRelease),
        ),
      },
    } satisfies k.ISecret,
    not(ref("redis.existingSecret")),
  );

  add(
    "hub-auth-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: n("auth"), labels: labels("hub") },
      type: "Opaque",
      stringData: {
        "jwt-secret": v(
          secretValue(nameOf("auth"), lit("jwt-secret"), ref("auth.jwtSecret"), lit(true)),
        ),
      },
    } satisfies k.ISecret,
    not(ref("auth.existingSecret")),
  );

  add(
    "kafka-client-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: n("kafka-client"), labels: labels("kafka") },
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

  // External PostgreSQL: a hook too, so that it exists before the pre-install migration Job.
  add(
    "postgres-secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: n("postgres"),
        labels: labels("postgres"),
        annotations: {
          "helm.sh/hook": "pre-install,pre-upgrade",
          "helm.sh/hook-weight": "-10",
          "helm.sh/hook-delete-policy": "before-hook-creation",
        },
      },
      type: "Opaque",
      stringData: { uri: v(ref("postgres.external.url")) },
    } satisfies k.ISecret,
    and(not(pgOperator), not(ref("postgres.external.existingSecret"))),
  );
}

// --- lifecycle ---------------------------------------------------------------------------------

function migrations(add: Add): void {
  const job: k.IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: n("migrate"),
      labels: labels("migrate"),
      annotations: {
        // An operator-run database only exists once the release has created its Cluster, so its
        // first migration runs post-install (the services' init container covers the gap);
        // an external database is migrated before anything rolls.
        "helm.sh/hook": v(
          ifElse(pgOperator, lit("post-install,pre-upgrade"), lit("pre-install,pre-upgrade")),
        ),
        "helm.sh/hook-weight": "0",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      },
    },
    spec: {
      backoffLimit: v(ref("migrations.backoffLimit")),
      activeDeadlineSeconds: v(ref("migrations.activeDeadlineSeconds")),
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels("migrate") },
        spec: {
          restartPolicy: "OnFailure",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(APP_UID),
          containers: [{
            ...migrateContainer(),
            // A Job's container runs to completion: liveness guards against a hung connection,
            // readiness is not used by Jobs but kept uniform.
            livenessProbe: {
              exec: { command: ["deno", "--version"] },
              periodSeconds: 30,
              timeoutSeconds: 10,
              failureThreshold: 3,
            },
            readinessProbe: {
              exec: { command: ["deno", "--version"] },
              periodSeconds: 30,
              timeoutSeconds: 10,
            },
          }],
          nodeSelector: v(ref("nodeSelector")),
          tolerations: v(ref("tolerations")) as k.IPodSpec["tolerations"],
          volumes: [TMP_VOLUME],
        },
      },
    },
  };
  add("migrate-job", job, ref("migrations.enabled"));
}

// --- infrastructure ------------------------------------------------------------------------------

function infrastructure(add: Add, checks: Check[]): void {
  kafka(add, checks);
  postgres(add);
  redis(add);
}

function kafka(add: Add, checks: Check[]): void {
  const clusterLabel = { "strimzi.io/cluster": v(kafkaCluster) };
  const replicas = ref("kafka.topic.replicas");
  const minIsr = ref("kafka.topic.minInSyncReplicas");
  const persistent = eq(ref("kafka.operator.storageType"), "persistent-claim");

  add(
    "kafka-nodepool",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaNodePool",
      metadata: {
        name: v(cat(kafkaCluster, "-nodes")),
        labels: { ...labels("kafka", false), ...clusterLabel },
      },
      spec: {
        replicas: v(ref("kafka.operator.nodes")),
        roles: ["controller", "broker"],
        storage: {
          type: v(ref("kafka.operator.storageType")),
          size: when(persistent, v(ref("kafka.operator.storage.size"))),
          class: when(
            and(persistent, ref("kafka.operator.storage.storageClass")),
            v(ref("kafka.operator.storage.storageClass")),
          ),
          deleteClaim: false,
          kraftMetadata: "shared",
        },
        resources: resources(ref("kafka.operator.resources")),
      },
    } satisfies k.IKafkaNodePool,
    kafkaOperator,
  );

  add(
    "kafka-cluster",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "Kafka",
      metadata: { name: v(kafkaCluster), labels: labels("kafka", false) },
      spec: {
        kafka: {
          version: when(ref("kafka.operator.version"), v(ref("kafka.operator.version"))),
          listeners: [{
            name: "tls",
            port: 9093,
            type: "internal",
            tls: true,
            authentication: { type: "scram-sha-512" },
          }],
          authorization: { type: "simple" },
          config: {
            "auto.create.topics.enable": false,
            "default.replication.factor": v(replicas),
            "min.insync.replicas": v(minIsr),
            "offsets.topic.replication.factor": v(replicas),
            "transaction.state.log.replication.factor": v(replicas),
            "transaction.state.log.min.isr": v(minIsr),
            "share.coordinator.state.topic.replication.factor": v(replicas),
            "share.coordinator.state.topic.min.isr": v(minIsr),
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    } satisfies k.IKafka,
    kafkaOperator,
  );

  add(
    "kafka-topic-orders",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaTopic",
      metadata: { name: n("orders"), labels: { ...labels("kafka", false), ...clusterLabel } },
      spec: {
        topicName: v(ref("kafka.topic.name")),
        partitions: v(partitions),
        replicas: v(replicas),
        config: {
          "cleanup.policy": "delete",
          "retention.ms": v(ref("kafka.topic.retentionMs")),
          // retention.bytes is per partition: the topic's cap divided by its partitions.
          "retention.bytes": v(retentionBytesPerPartition),
          "segment.bytes": v(ref("kafka.topic.segmentBytes")),
          "min.insync.replicas": v(minIsr),
        },
      },
    } satisfies k.IKafkaTopic,
    kafkaOperator,
  );

  add(
    "kafka-topic-dead-letters",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaTopic",
      metadata: { name: n("orders-dlq"), labels: { ...labels("kafka", false), ...clusterLabel } },
      spec: {
        topicName: v(ref("kafka.deadLetterTopic.name")),
        partitions: v(ref("kafka.deadLetterTopic.partitions")),
        replicas: v(replicas),
        config: {
          "cleanup.policy": "delete",
          "retention.ms": v(ref("kafka.deadLetterTopic.retentionMs")),
          "min.insync.replicas": v(minIsr),
        },
      },
    } satisfies k.IKafkaTopic,
    kafkaOperator,
  );

  const topicAcl = (topic: Expr<string>) => ({
    resource: { type: "topic" as const, name: v(topic), patternType: "literal" as const },
    operations: ["Describe" as const, "Read" as const, "Write" as const],
  });
  add(
    "kafka-user",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: v(kafkaUser), labels: { ...labels("kafka", false), ...clusterLabel } },
      spec: {
        authentication: { type: "scram-sha-512" },
        authorization: {
          type: "simple",
          acls: [
            topicAcl(ref("kafka.topic.name")),
            topicAcl(ref("kafka.deadLetterTopic.name")),
            {
              resource: {
                type: "group",
                name: v(ref("kafka.consumerGroup")),
                patternType: "literal",
              },
              operations: ["Describe", "Read"],
            },
            {
              // The dead-letter tool reads with throw-away groups ovenline-dlq-reader-<uuid>.
              resource: { type: "group", name: "ovenline-", patternType: "prefix" },
              operations: ["Describe", "Read", "Delete"],
            },
            { resource: { type: "cluster" }, operations: ["IdempotentWrite"] },
          ],
        },
      },
    } satisfies k.IKafkaUser,
    kafkaOperator,
  );

  checks.push({
    failWhen: and(kafkaOperator, gt(replicas, ref("kafka.operator.nodes"))),
    message: "kafka.topic.replicas is above kafka.operator.nodes",
  });
  checks.push({
    failWhen: gt(minIsr, replicas),
    message: "kafka.topic.minInSyncReplicas is above kafka.topic.replicas",
  });
  checks.push({
    failWhen: gt(ref("kafka.topic.segmentBytes"), retentionBytesPerPartition),
    message:
      "kafka.topic.segmentBytes is above retention.bytes per partition (totalRetentionBytes / partitions): the size cap could never delete",
  });
  checks.push({
    failWhen: and(
      not(kafkaOperator),
      ref("kafka.external.sasl.enabled"),
      not(ref("kafka.external.sasl.username")),
    ),
    message: "kafka.external.sasl.enabled needs kafka.external.sasl.username",
  });
}

function postgres(add: Add): void {
  const backupOn = and(pgOperator, ref("postgres.operator.backup.enabled"));
  const method = ref("postgres.operator.backup.method");
  add(
    "postgres-cluster",
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: v(pgCluster), labels: labels("postgres", false) },
      spec: {
        instances: v(ref("postgres.operator.instances")),
        imageName: when(ref("postgres.operator.imageName"), v(ref("postgres.operator.imageName"))),
        primaryUpdateStrategy: "unsupervised",
        enableSuperuserAccess: false,
        storage: {
          size: v(ref("postgres.operator.storage.size")),
          storageClass: when(
            ref("postgres.operator.storage.storageClass"),
            v(ref("postgres.operator.storage.storageClass")),
          ),
        },
        bootstrap: {
          initdb: {
            database: v(ref("postgres.operator.database")),
            owner: v(ref("postgres.operator.owner")),
          },
        },
        resources: resources(ref("postgres.operator.resources")),
        backup: when(and(backupOn, eq(method, "volumeSnapshot")), {
          volumeSnapshot: { className: v(ref("postgres.operator.backup.volumeSnapshotClass")) },
        }),
        plugins: when(and(backupOn, eq(method, "plugin")), [{
          name: v(ref("postgres.operator.backup.pluginName")),
          isWALArchiver: true,
          parameters: v(ref("postgres.operator.backup.pluginParameters")),
        }]),
      },
    } satisfies k.ICluster,
    pgOperator,
  );

  add(
    "postgres-scheduledbackup",
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "ScheduledBackup",
      metadata: { name: v(cat(pgCluster, "-daily")), labels: labels("postgres", false) },
      spec: {
        schedule: v(ref("postgres.operator.backup.schedule")),
        cluster: { name: v(pgCluster) },
        method: v(method) as "volumeSnapshot",
        backupOwnerReference: "self",
        immediate: true,
        pluginConfiguration: when(eq(method, "plugin"), {
          name: v(ref("postgres.operator.backup.pluginName")),
        }),
      },
    } satisfies k.IScheduledBackup,
    backupOn,
  );
}

function redis(add: Add): void {
  const component = "redis";
  const image = cat(ref("redis.image.repository"), ":", ref("redis.image.tag"));
  const passwordEnv = secretEnv("REDIS_PASSWORD", redisSecret, redisKey);
  // The password goes in on stdin, so it is in neither the pod spec nor the process list.
  const start = [
    "exec redis-server --port 6379 --dir /data --appendonly yes --appendfsync everysec",
    "--save '' --protected-mode no -",
    '<<EOF\nrequirepass "${REDIS_PASSWORD}"\nEOF',
  ].join(" ");
  const ping = 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 ping | grep -q PONG';

  add(
    "redis-serviceaccount",
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: n(component), labels: labels(component) },
      automountServiceAccountToken: false,
    } satisfies k.IServiceAccount,
    redisInRelease,
  );

  add(
    "redis-statefulset",
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        replicas: 1,
        serviceName: n(component),
        selector: { matchLabels: selector(component) },
        template: {
          metadata: { labels: labels(component), annotations: v(ref("podAnnotations")) },
          spec: {
            serviceAccountName: n(component),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(REDIS_UID),
            containers: [{
              name: "redis",
              image: v(image),
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", start],
              env: [passwordEnv],
              ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
              startupProbe: {
                tcpSocket: { port: "redis" },
                periodSeconds: 2,
                failureThreshold: 60,
              },
              livenessProbe: {
                tcpSocket: { port: "redis" },
                periodSeconds: 10,
                failureThreshold: 3,
              },
              readinessProbe: {
                exec: { command: ["sh", "-c", ping] },
                periodSeconds: 5,
                timeoutSeconds: 3,
                failureThreshold: 2,
              },
              resources: resources(ref("redis.resources")),
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            }],
            nodeSelector: v(ref("nodeSelector")),
            tolerations: v(ref("tolerations")) as k.IPodSpec["tolerations"],
            volumes: [TMP_VOLUME],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: "data" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: when(
              ref("redis.storage.storageClass"),
              v(ref("redis.storage.storageClass")),
            ),
            resources: { requests: { storage: v(ref("redis.storage.size")) } },
          },
        }],
      },
    } satisfies k.IStatefulSet,
    redisInRelease,
  );

  add(
    "redis-service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        type: "ClusterIP",
        selector: selector(component),
        ports: [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }],
      },
    } satisfies k.IService,
    redisInRelease,
  );
}

// --- traffic from outside ------------------------------------------------------------------------

function traffic(add: Add): void {
  const gw = ref("gateway.enabled");
  add(
    "intake-grpcroute",
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GRPCRoute",
      metadata: { name: n("intake"), labels: labels("intake") },
      spec: {
        parentRefs: v(ref("gateway.parentRefs")) as never,
        hostnames: v(ref("gateway.intakeHostnames")),
        rules: [{ backendRefs: [{ name: n("intake"), port: v(ref("intake.grpcPort")) }] }],
      },
    } satisfies k.IGRPCRoute,
    gw,
  );

  add(
    "hub-httproute",
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: n("hub"), labels: labels("hub") },
      spec: {
        parentRefs: v(ref("gateway.parentRefs")) as never,
        hostnames: v(ref("gateway.hubHostnames")),
        rules: [{
          // REST, pages and the WebSocket upgrades of /ws/kds and /ws/erp.
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ name: n("hub"), port: v(ref("hub.port")) }],
        }],
      },
    } satisfies k.IHTTPRoute,
    gw,
  );

  const ing = ref("ingress.enabled");
  const tls = ref("ingress.tlsSecretName");
  const ingress = (
    component: "intake" | "hub",
    host: Expr<string>,
    port: Expr<number>,
    annotations: Expr<Record<string, string>>,
  ): k.IIngress => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: n(component), labels: labels(component), annotations: v(annotations) },
    spec: {
      ingressClassName: v(ref("ingress.className")),
      tls: when(tls, [{ hosts: [v(host)], secretName: v(tls) }]),
      rules: [{
        host: when(host, v(host)),
        http: {
          paths: [{
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: n(component), port: { number: v(port) } } },
          }],
        },
      }],
    },
  });
  add(
    "intake-ingress",
    ingress(
      "intake",
      ref("ingress.intakeHost"),
      ref("intake.grpcPort"),
      ref("ingress.intakeAnnotations"),
    ),
    ing,
  );
  add(
    "hub-ingress",
    ingress("hub", ref("ingress.hubHost"), ref("hub.port"), ref("ingress.hubAnnotations")),
    ing,
  );
}

// --- network policies ----------------------------------------------------------------------------

function networkPolicies(add: Add): void {
  const tcp = (port: number | Expr<number>): k.INetworkPolicyPort => ({
    protocol: "TCP",
    port: typeof port === "number" ? port : v(port),
  });
  const pods = (component: string): k.INetworkPolicyPeer => ({
    podSelector: { matchLabels: selector(component) },
  });
  const external = v(ref("networkPolicy.externalTo")) as k.INetworkPolicyPeer[];
  const externalPorts = (p: "Kafka" | "Postgres" | "Redis" | "Otel") =>
    v(ref(`networkPolicy.external${p}Ports`)) as k.INetworkPolicyPort[];

  type Egress = NonNullable<NonNullable<k.INetworkPolicy["spec"]>["egress"]>[number];
  const toKafka: Egress[] = [
    when(kafkaOperator, {
      to: [{
        podSelector: {
          matchLabels: { "strimzi.io/cluster": v(kafkaCluster), "strimzi.io/kind": "Kafka" },
        },
      }],
      ports: [tcp(9093)],
    }),
    when(not(kafkaOperator), { to: external, ports: externalPorts("Kafka") }),
  ];
  const toPostgres: Egress[] = [
    when(pgOperator, {
      to: [{ podSelector: { matchLabels: { "cnpg.io/cluster": v(pgCluster) } } }],
      ports: [tcp(5432)],
    }),
    when(not(pgOperator), { to: external, ports: externalPorts("Postgres") }),
  ];
  const toRedis: Egress[] = [
    when(redisInRelease, { to: [pods("redis")], ports: [tcp(6379)] }),
    when(not(redisInRelease), { to: external, ports: externalPorts("Redis") }),
  ];
  const toCollector: Egress[] = [
    when(collectorOn, { to: [pods("otel-collector")], ports: [tcp(4317), tcp(4318)] }),
    when(and(not(collectorOn), ref("otel.endpoint")), {
      to: external,
      ports: externalPorts("Otel"),
    }),
  ];
  const prometheus = (port: Expr<number>) => ({
    from: v(ref("networkPolicy.prometheusFrom")) as k.INetworkPolicyPeer[],
    ports: [tcp(port)],
  });
  const loadTestFrom = (port: Expr<number>) =>
    when(ref("loadTest.enabled"), {
      from: [{ podSelector: { matchLabels: { "ovenline.io/load-test": v(releaseName) } } }],
      ports: [tcp(port)],
    });

  const policy = (
    file: string,
    name: string,
    podSelector: Record<string, string>,
    rules: { ingress?: unknown[]; egress?: unknown[] },
    types: ("Ingress" | "Egress")[],
    gate: Expr<unknown> = netpol,
  ) =>
    add(
      `networkpolicy-${file}`,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: n(`netpol-${name}`), labels: labels("network-policy") },
        spec: {
          podSelector: { matchLabels: podSelector },
          policyTypes: types,
          ingress: rules.ingress as never,
          egress: rules.egress as never,
        },
      } satisfies k.INetworkPolicy,
      gate,
    );

  // Nothing in or out unless a policy below allows it.
  policy("default-deny", "default-deny", ownPods(), {}, ["Ingress", "Egress"]);
  policy("dns", "dns", ownPods(), {
    egress: [{
      to: v(ref("networkPolicy.dnsTo")),
      ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
    }],
  }, ["Egress"]);

  policy("intake", "intake", selector("intake"), {
    ingress: [
      { from: v(ref("networkPolicy.ingressFrom")), ports: [tcp(ref("intake.grpcPort"))] },
      prometheus(ref("intake.metricsPort")),
      loadTestFrom(ref("intake.grpcPort")),
    ],
    egress: [...toKafka, ...toRedis, ...toPostgres, ...toCollector],
  }, ["Ingress", "Egress"]);

  policy("consumer", "consumer", selector("consumer"), {
    ingress: [prometheus(ref("consumer.healthPort"))],
    egress: [...toKafka, ...toRedis, ...toPostgres, ...toCollector],
  }, ["Ingress", "Egress"]);

  policy("promoter", "promoter", selector("promoter"), {
    ingress: [prometheus(ref("promoter.healthPort"))],
    egress: [
      ...toRedis,
      ...toCollector,
      // Hook for the Kitchen operator (issue 8): the Kubernetes API.
      when(ref("promoter.kitchenOperator.enabled"), {
        to: v(ref("promoter.kitchenOperator.apiServerTo")) as NetPeer[],
        ports: v(ref("promoter.kitchenOperator.apiServerPorts")) as NetPort[],
      }),
    ],
  }, ["Ingress", "Egress"]);

  policy("hub", "hub", selector("hub"), {
    ingress: [
      { from: v(ref("networkPolicy.ingressFrom")), ports: [tcp(ref("hub.port"))] },
      prometheus(ref("hub.port")),
      loadTestFrom(ref("hub.port")),
    ],
    egress: [...toKafka, ...toRedis, ...toPostgres, ...toCollector],
  }, ["Ingress", "Egress"]);

  policy("migrate", "migrate", selector("migrate"), { egress: [...toPostgres] }, ["Egress"]);

  policy(
    "redis",
    "redis",
    selector("redis"),
    {
      ingress: [{
        from: ["intake", "consumer", "promoter", "hub"].map(pods),
        ports: [tcp(6379)],
      }],
    },
    ["Ingress"],
    and(netpol, redisInRelease),
  );

  policy(
    "otel-collector",
    "otel-collector",
    selector("otel-collector"),
    {
      ingress: [
        { from: [{ podSelector: { matchLabels: ownPods() } }], ports: [tcp(4317), tcp(4318)] },
        prometheus(lit(8888)),
      ],
      egress: [{ to: external, ports: externalPorts("Otel") }],
    },
    ["Ingress", "Egress"],
    and(netpol, collectorOn),
  );
}

// --- telemetry -----------------------------------------------------------------------------------

function collectorConfig(upstream: boolean): string {
  const exporters = upstream ? ["debug", "otlphttp"] : ["debug"];
  const pipeline = { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters };
  return JSON.stringify(
    {
      extensions: { health_check: { endpoint: "0.0.0.0:13133" } },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: "0.0.0.0:4317" },
            http: { endpoint: "0.0.0.0:4318" },
          },
        },
      },
      processors: {
        memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 },
        batch: {},
      },
      exporters: {
        debug: { verbosity: "basic" },
        ...(upstream ? { otlphttp: { endpoint: "${env:OTLP_UPSTREAM_ENDPOINT}" } } : {}),
      },
      service: {
        extensions: ["health_check"],
        pipelines: { traces: pipeline, metrics: pipeline, logs: pipeline },
      },
    },
    null,
    2,
  ) + "\n";
}

function telemetry(add: Add): void {
  const component = "otel-collector";
  const upstream = ref("otel.collector.upstreamEndpoint");
  add(
    "otel-collector-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: n(component), labels: labels(component) },
      data: {
        "config.json": v(ifElse(upstream, lit(collectorConfig(true)), lit(collectorConfig(false)))),
      },
    } satisfies k.IConfigMap,
    collectorOn,
  );

  add(
    "otel-collector-serviceaccount",
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: n(component), labels: labels(component) },
      automountServiceAccountToken: false,
    } satisfies k.IServiceAccount,
    collectorOn,
  );

  const health = { httpGet: { path: "/", port: 13133 } };
  add(
    "otel-collector-deployment",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        replicas: v(ref("otel.collector.replicas")),
        selector: { matchLabels: selector(component) },
        template: {
          metadata: { labels: labels(component), annotations: v(ref("podAnnotations")) },
          spec: {
            serviceAccountName: n(component),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(OTEL_UID),
            containers: [{
              name: "otel-collector",
              image: v(
                cat(ref("otel.collector.image.repository"), ":", ref("otel.collector.image.tag")),
              ),
              imagePullPolicy: "IfNotPresent",
              args: ["--config=/etc/otelcol/config.json"],
              env: [{ name: "OTLP_UPSTREAM_ENDPOINT", value: v(upstream) }],
              ports: [
                { name: "otlp-grpc", containerPort: 4317, protocol: "TCP" },
                { name: "otlp-http", containerPort: 4318, protocol: "TCP" },
                { name: "metrics", containerPort: 8888, protocol: "TCP" },
                { name: "health", containerPort: 13133, protocol: "TCP" },
              ],
              livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 2 },
              resources: resources(ref("otel.collector.resources")),
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [{ name: "config", mountPath: "/etc/otelcol", readOnly: true }],
            }],
            nodeSelector: v(ref("nodeSelector")),
            tolerations: v(ref("tolerations")) as k.IPodSpec["tolerations"],
            topologySpreadConstraints: spread(component),
            volumes: [{ name: "config", configMap: { name: n(component) } }],
          },
        },
      },
    } satisfies k.IDeployment,
    collectorOn,
  );

  add(
    "otel-collector-service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: n(component), labels: labels(component) },
      spec: {
        type: "ClusterIP",
        selector: selector(component),
        ports: [
          {
            name: "otlp-grpc",
            port: 4317,
            targetPort: "otlp-grpc",
            protocol: "TCP",
            appProtocol: "grpc",
          },
          { name: "otlp-http", port: 4318, targetPort: "otlp-http", protocol: "TCP" },
        ],
      },
    } satisfies k.IService,
    collectorOn,
  );

  add(
    "otel-collector-pdb",
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: n(component), labels: labels(component) },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector(component) } },
    } satisfies k.IPodDisruptionBudget,
    collectorOn,
  );

  // Prometheus ---------------------------------------------------------------------------------
  add(
    "podmonitor",
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: n("metrics"), labels: labelsWith("metrics", ref("podMonitor.labels")) },
      spec: {
        selector: { matchLabels: ownPods() },
        // Ports named "metrics" (intake, consumer, promoter, collector) and the hub's "http".
        podMetricsEndpoints: ["metrics", "http"].map((port) => ({
          port,
          path: "/metrics",
          interval: v(ref("podMonitor.interval")),
        })),
      },
    } satisfies k.IPodMonitor,
    ref("podMonitor.enabled"),
  );

  add(
    "prometheusrule",
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: {
        name: n("alerts"),
        labels: labelsWith("alerts", ref("prometheusRule.labels")),
      },
      spec: v(fromYaml(chartFile("files/observability/alerts.yaml"), parseYaml)) as never,
    } satisfies k.IPrometheusRule,
    ref("prometheusRule.enabled"),
  );

  add(
    "grafana-dashboard-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: n("dashboard"),
        labels: labelsWith("dashboard", ref("grafanaDashboard.labels")),
      },
      data: { "ovenline.json": v(chartFile("files/observability/dashboard.json")) },
    } satisfies k.IConfigMap,
    ref("grafanaDashboard.enabled"),
  );
}

// --- load tests ------------------------------------------------------------------------------

function loadTest(add: Add, checks: Check[], files: ChartFiles): void {
  const on = ref("loadTest.enabled");
  add(
    "load-scripts-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: n("load-scripts"), labels: labels("load-test") },
      data: Object.fromEntries(
        files.loadScripts.map((name) => [name, v(chartFile(`files/load/${name}`))]),
      ),
    } satisfies k.IConfigMap,
    on,
  );

  const k6Security = {
    runAsNonRoot: true,
    runAsUser: K6_UID,
    runAsGroup: K6_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
  add("load-testrun", {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: { name: n("load"), labels: labels("load-test") },
    spec: {
      parallelism: v(ref("loadTest.parallelism")),
      script: { configMap: { name: n("load-scripts"), file: v(ref("loadTest.script")) } },
      arguments: v(ref("loadTest.arguments")),
      cleanup: "post",
      runner: {
        image: v(cat(ref("loadTest.runnerImage.repository"), ":", ref("loadTest.runnerImage.tag"))),
        metadata: { labels: { "ovenline.io/load-test": v(releaseName) } },
        env: [
          { name: "INTAKE_ADDR", value: v(cat(nameOf("intake"), ":", ref("intake.grpcPort"))) },
          { name: "HUB_URL", value: v(cat("http://", nameOf("hub"), ":", ref("hub.port"))) },
          { name: "HUB_WS_URL", value: v(cat("ws://", nameOf("hub"), ":", ref("hub.port"))) },
        ],
        resources: resources(ref("loadTest.resources")),
        securityContext: k6Security,
        containerSecurityContext: CONTAINER_SECURITY,
      },
      starter: {
        image: v(
          cat(ref("loadTest.starterImage.repository"), ":", ref("loadTest.starterImage.tag")),
        ),
        securityContext: k6Security,
        containerSecurityContext: CONTAINER_SECURITY,
      },
    },
  }, on);

  checks.push({
    failWhen: and(on, not(chartFileNamed("files/load/", ref("loadTest.script")))),
    message: "loadTest.script names no script in load/ (files/load/ in the chart)",
  });
}

export { truthy };
