/**
 * One Ovenline service (intake, consumer, promoter, hub, kitchen-operator): its Deployment of the Ovenline image,
 * ServiceAccount, PodDisruptionBudget and Service. What differs between the services is in their
 * AppServiceSpec; the rest — settings, secrets, the Kafka CA, devMode, the first-install
 * migration, hardening and spread — is the same for all.
 */
import { and, type Expr, not, v, valueRef, when, withEntries } from "../expr.ts";
import type * as k from "../k8s_types.ts";
import { APP_UID, appImageFields, appImagePullSecrets, denoRun } from "../app_image.ts";
import type { DenoPermissions } from "../deno_permissions.ts";
import {
  configHash,
  configMap,
  type Dependency,
  secretsHash,
  type Setting,
  settingsOf,
} from "../config.ts";
import {
  databaseUrl,
  type KafkaClient,
  kafkaPasswordOf,
  pgOperator,
  redisPassword,
  type SecretKey,
} from "../endpoints.ts";
import { migrateContainer } from "../migrations.ts";
import { n, objectMeta, selector } from "../names.ts";
import {
  CONTAINER_SECURITY,
  podTemplate,
  resources,
  secretEnv,
  spread,
  TMP_MOUNT,
  TMP_VOLUME,
} from "../pods.ts";
import type { Add } from "../render.ts";
import { clusterService, disruptionBudget, serviceAccount } from "../workloads.ts";
import type { Probes } from "./probes.ts";
import { caMount, caVolume, KAFKA_CA_MOUNT, kafkaCaVolume } from "../tls_cas.ts";
import { ref } from "../../values.ts";

const devMode = ref("devMode.enabled");

export type ServiceName = "intake" | "consumer" | "promoter" | "hub" | "kitchen-operator";

/**
 * What differs between the services. The rest follows from the name: the entry point
 * src/services/<name>/main.ts, and the values <name>.replicas and <name>.resources (`script` and
 * `valuesKey` say otherwise where a name cannot be a directory or a values key).
 */
export interface AppServiceSpec {
  /** The component label, the container's name, OTEL_SERVICE_NAME and `<fullname>-<component>`. */
  readonly component: ServiceName;
  /** What it connects to: the settings, secrets and CA volumes of each (and nothing else). */
  readonly uses: readonly Dependency[];
  /** Settings it reads beyond those of every service and of its dependencies. */
  readonly settings: readonly Setting[];
  /** Environment beyond its ConfigMap and its dependencies' secrets. */
  readonly env: k.IEnvVar[];
  /** Secrets of its own beyond its dependencies', by environment variable. */
  readonly secrets?: Readonly<Record<string, SecretKey>>;
  /**
   * Secrets of its own that may be missing from their Secret (the variable is then unset, or
   * keeps its ConfigMap value).
   */
  readonly optionalSecrets?: Readonly<Record<string, SecretKey>>;
  /** Container ports, each also a port of the Service (with the same name). */
  readonly ports: { name: string; port: Expr<number>; appProtocol?: string }[];
  readonly probes: Probes;
  /** Replicas are left to an autoscaler when this holds. */
  readonly autoscaled: Expr<unknown>;
  readonly automountToken?: Expr<boolean>;
  readonly extraVolumes?: { volume: k.IVolume; mount: k.IVolumeMount }[];
  /** Entry point in the image; default src/services/<component>/main.ts. */
  readonly script?: string;
  /** Files and folders it reads beyond node_modules, its CAs and (using Redis) lua/. */
  readonly reads?: readonly string[];
  /** Hosts it connects to beyond its dependencies (empty ones are left out). */
  readonly net?: readonly Expr<string>[];
  /** System information it asks for (Deno's --allow-sys names). */
  readonly sys?: readonly string[];
  /** Values group of replicas and resources; default the component. */
  readonly valuesKey?: string;
  /** Rendered only when this holds (an optional service). */
  readonly gate?: Expr<unknown>;
}

/** The ServiceAccount, ConfigMap, Deployment, PodDisruptionBudget and Service of one service. */
export function appService(add: Add, s: AppServiceSpec): void {
  serviceAccount(add, s.component, s.gate);
  configMap(add, s.component, settingsOf(s.uses, s.settings), s.gate);
  add(`${s.component}-deployment`, deployment(s), s.gate);
  disruptionBudget(add, s.component, s.gate);
  clusterService(add, s.component, s.ports, s.gate);
}

const valuesKey = (s: AppServiceSpec) => s.valuesKey ?? s.component;

const usesDatabase = (s: AppServiceSpec) => s.uses.includes("postgres");
const usesKafka = (s: AppServiceSpec) => s.uses.includes("kafka");

/** The secrets a service reads, by environment variable: its dependencies' and its own. */
function secretsOf(s: AppServiceSpec): [string, SecretKey, boolean][] {
  return [
    ...(usesDatabase(s) ? [["DATABASE_URL", databaseUrl, false] as const] : []),
    ...(s.uses.includes("redis") ? [["REDIS_PASSWORD", redisPassword, true] as const] : []),
    ...(usesKafka(s)
      ? [["KAFKA_SASL_PASSWORD", kafkaPasswordOf(s.component as KafkaClient), true] as const]
      : []),
    ...Object.entries(s.secrets ?? {}).map(([name, key]) => [name, key, false] as const),
    ...Object.entries(s.optionalSecrets ?? {}).map(([name, key]) => [name, key, true] as const),
  ].map(([name, key, optional]) => [name, key, optional]);
}

/** Environment beyond the ConfigMap (envFrom): the service's name and its secrets. */
function sharedEnv(s: AppServiceSpec): k.IEnvVar[] {
  return [
    { name: "OTEL_SERVICE_NAME", value: `ovenline-${s.component}` },
    ...secretsOf(s).map(([name, key, optional]) => secretEnv(name, key, optional)),
  ];
}

function container(s: AppServiceSpec): k.IContainer {
  return {
    name: s.component,
    ...appImageFields(),
    // devMode: deno restarts the service when Tilt syncs a changed source file.
    command: denoRun(s.script ?? `src/services/${s.component}/main.ts`, {
      permissions: permissionsOf(s),
      watch: devMode,
      memoryLimit: valueRef(`${valuesKey(s)}.resources.limits.memory`, "str"),
    }),
    envFrom: [{ configMapRef: { name: n(`${s.component}-config`) } }],
    env: [...sharedEnv(s), ...s.env],
    ports: s.ports.map((p) => ({ name: p.name, containerPort: v(p.port), protocol: "TCP" })),
    ...s.probes,
    resources: resources(ref(`${valuesKey(s)}.resources` as "intake.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      TMP_MOUNT,
      ...(usesKafka(s) ? [KAFKA_CA_MOUNT] : []),
      when(devMode, { name: "dev-src", mountPath: "/app/src" }),
      ...(usesDatabase(s) ? [caMount("postgres")] : []),
      ...(s.uses.includes("redis") ? [caMount("redis")] : []),
      ...(s.extraVolumes ?? []).map((x) => x.mount),
    ],
  };
}

/** What the service's process may do: serve its ports, reach what it uses, read its settings. */
function permissionsOf(s: AppServiceSpec): DenoPermissions {
  const usesRedis = s.uses.includes("redis");
  return {
    serves: s.ports.map((p) => p.port),
    connects: [...s.uses, ...(s.automountToken ? ["kube-api" as const] : [])],
    kubeApiWhen: s.automountToken,
    reads: [...(usesRedis ? ["lua"] : []), ...(s.reads ?? [])],
    net: s.net,
    env: [
      ...settingsOf(s.uses, s.settings),
      ...sharedEnv(s).map((e) => e.name),
      ...s.env.map((e) => e.name),
      // The image sets it (Dockerfile): kafkajs's notice about its default partitioner.
      ...(usesKafka(s) ? ["KAFKAJS_NO_PARTITIONER_WARNING"] : []),
    ],
    sys: s.sys,
  };
}

/** devMode: the image's sources copied onto the writable volume the service then runs from. */
function seedSourcesContainer(): k.IContainer {
  return {
    name: "dev-src",
    ...appImageFields(),
    command: ["cp", "-R", "/app/src/.", "/dev-src/"],
    resources: resources(ref("migrations.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: "dev-src", mountPath: "/dev-src" }],
  };
}

function deployment(s: AppServiceSpec): k.IDeployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(s.component),
    spec: {
      replicas: when(not(s.autoscaled), v(ref(`${valuesKey(s)}.replicas` as "intake.replicas"))),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(s.component) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: podTemplate(
        s.component,
        APP_UID,
        {
          automountServiceAccountToken: s.automountToken ? v(s.automountToken) : false,
          terminationGracePeriodSeconds: 30,
          imagePullSecrets: appImagePullSecrets(),
          initContainers: [
            when(devMode, seedSourcesContainer()),
            ...(usesDatabase(s)
              ? [
                when(
                  and(pgOperator, ref("migrations.enabled")),
                  migrateContainer(databaseUrl, true),
                ),
              ]
              : []),
          ],
          containers: [container(s)],
          topologySpreadConstraints: spread(s.component),
          volumes: [
            TMP_VOLUME,
            ...(usesKafka(s) ? [kafkaCaVolume()] : []),
            when(devMode, { name: "dev-src", emptyDir: { sizeLimit: "256Mi" } }),
            ...(usesDatabase(s) ? [caVolume("postgres")] : []),
            ...(s.uses.includes("redis") ? [caVolume("redis")] : []),
            ...(s.extraVolumes ?? []).map((x) => x.volume),
          ],
        },
        v(withEntries({
          "checksum/config": configHash(s.component, settingsOf(s.uses, s.settings)),
          "checksum/secrets": secretsHash(secretsOf(s).map(([, key]) => key.fingerprint)),
        }, ref("podAnnotations"))),
      ),
    },
  };
}
