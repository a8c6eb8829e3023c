/**
 * One Ovenline service (intake, consumer, promoter, hub, kitchen-operator): its Deployment of the Ovenline image,
 * ServiceAccount, PodDisruptionBudget and Service. What differs between the services is in their
 * AppServiceSpec; the rest — settings, secrets, the Kafka CA, devMode, the first-install
 * migration, hardening and spread — is the same for all.
 */
import { and, type Expr, not, v, when, withEntries } from "../expr.ts";
import type * as k from "../k8s_types.ts";
import { APP_UID, appImageFields, appImagePullSecrets, denoRun } from "../app_image.ts";
import { configHash } from "../config.ts";
import {
  databaseUrl,
  KAFKA_CA_DIR,
  kafkaCaSecret,
  kafkaPassword,
  pgOperator,
  redisPassword,
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
  /** Environment beyond the ConfigMap and the shared secrets. */
  readonly env: k.IEnvVar[];
  /** Container ports, each also a port of the Service (with the same name). */
  readonly ports: { name: string; port: Expr<number>; appProtocol?: string }[];
  readonly probes: Probes;
  /** Replicas are left to an autoscaler when this holds. */
  readonly autoscaled: Expr<unknown>;
  /** Reads DATABASE_URL (and so runs the first-install migration as an init container). */
  readonly usesDatabase: boolean;
  readonly automountToken?: Expr<boolean>;
  readonly extraVolumes?: { volume: k.IVolume; mount: k.IVolumeMount }[];
  /** Entry point in the image; default src/services/<component>/main.ts. */
  readonly script?: string;
  /** Values group of replicas and resources; default the component. */
  readonly valuesKey?: string;
  /** Rendered only when this holds (an optional service). */
  readonly gate?: Expr<unknown>;
}

/** The ServiceAccount, Deployment, PodDisruptionBudget and Service of one service. */
export function appService(add: Add, s: AppServiceSpec): void {
  serviceAccount(add, s.component, s.gate);
  add(`${s.component}-deployment`, deployment(s), s.gate);
  disruptionBudget(add, s.component, s.gate);
  clusterService(add, s.component, s.ports, s.gate);
}

const valuesKey = (s: AppServiceSpec) => s.valuesKey ?? s.component;

/** Environment every Ovenline service shares: the secrets (the ConfigMap comes with envFrom). */
function sharedEnv(s: AppServiceSpec): k.IEnvVar[] {
  return [
    { name: "OTEL_SERVICE_NAME", value: s.component },
    ...(s.usesDatabase ? [secretEnv("DATABASE_URL", databaseUrl)] : []),
    secretEnv("REDIS_PASSWORD", redisPassword, true),
    secretEnv("KAFKA_SASL_PASSWORD", kafkaPassword, true),
  ];
}

function container(s: AppServiceSpec): k.IContainer {
  return {
    name: s.component,
    ...appImageFields(),
    // devMode: deno restarts the service when Tilt syncs a changed source file.
    command: denoRun(s.script ?? `src/services/${s.component}/main.ts`, { watch: devMode }),
    envFrom: [{ configMapRef: { name: n("config") } }],
    env: [...sharedEnv(s), ...s.env],
    ports: s.ports.map((p) => ({ name: p.name, containerPort: v(p.port), protocol: "TCP" })),
    ...s.probes,
    resources: resources(ref(`${valuesKey(s)}.resources` as "intake.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [
      TMP_MOUNT,
      { name: "kafka-ca", mountPath: KAFKA_CA_DIR, readOnly: true },
      when(devMode, { name: "dev-src", mountPath: "/app/src" }),
      ...(s.extraVolumes ?? []).map((x) => x.mount),
    ],
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
            ...(s.usesDatabase
              ? [when(and(pgOperator, ref("migrations.enabled")), migrateContainer())]
              : []),
          ],
          containers: [container(s)],
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
            ...(s.extraVolumes ?? []).map((x) => x.volume),
          ],
        },
        v(withEntries({ "checksum/config": configHash }, ref("podAnnotations"))),
      ),
    },
  };
}
