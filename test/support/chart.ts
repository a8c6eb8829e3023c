// deno-lint-ignore-file no-explicit-any -- rendered manifests are untyped YAML
/**
 * Helpers for the chart tests: helm (installed by scripts/helm.sh), rendering, and schema
 * validation of every rendered object with the npm kubernetes-models packages (Kubernetes,
 * Strimzi v1, CloudNativePG, KEDA, Gateway API, prometheus-operator) and, for the k6-operator
 * TestRun that has no such package, a structural check written from its CRD.
 */
import { parseAllDocuments } from "yaml";
import { goTool } from "./go_tools.ts";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { validate as validateEnvVar } from "kubernetes-models/_schemas/IoK8sApiCoreV1EnvVar";
import { validate as validateResources } from "kubernetes-models/_schemas/IoK8sApiCoreV1ResourceRequirements";
import { validate as validatePodSecurity } from "kubernetes-models/_schemas/IoK8sApiCoreV1PodSecurityContext";
import { validate as validateSecurity } from "kubernetes-models/_schemas/IoK8sApiCoreV1SecurityContext";
import { validate as validateObjectMeta } from "@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta";
import { Kafka } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka";
import { KafkaNodePool } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool";
import { KafkaTopic } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic";
import { KafkaUser } from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaUser";
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import { ScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { GRPCRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRoute";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const CHART = `${ROOT}/charts/ovenline`;

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: any;
  spec?: any;
  [k: string]: any;
};

/** The helm binary that scripts/helm.sh installs (once) into .tools/helm. */
export function helm(): Promise<string> {
  return goTool("helm.sh");
}

export interface HelmResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runHelm(args: string[]): Promise<HelmResult> {
  const out = await new Deno.Command(await helm(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: {
      HELM_CACHE_HOME: "/tmp/ovenline-helm/cache",
      HELM_CONFIG_HOME: "/tmp/ovenline-helm/config",
      HELM_DATA_HOME: "/tmp/ovenline-helm/data",
    },
  }).output();
  const dec = new TextDecoder();
  return { ok: out.success, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export interface RenderOptions {
  readonly valuesFiles?: readonly string[];
  readonly set?: Record<string, string | number | boolean>;
  readonly release?: string;
  readonly chart?: string;
  /** Values given as a file after valuesFiles (for lists and maps, which --set cannot empty). */
  readonly values?: Record<string, unknown>;
  /** Render as `helm upgrade` would (helm template --is-upgrade). */
  readonly isUpgrade?: boolean;
}

/** `helm template` with the options (a values file from `values` lives for the call only). */
async function helmTemplate(opts: RenderOptions): Promise<HelmResult> {
  const file = opts.values
    ? await Deno.makeTempFile({ prefix: "ovenline-values-", suffix: ".json" })
    : undefined;
  try {
    if (file) await Deno.writeTextFile(file, JSON.stringify(opts.values)); // JSON is YAML
    return await runHelm(templateArgs(opts, file));
  } finally {
    if (file) await Deno.remove(file);
  }
}

function templateArgs(opts: RenderOptions, valuesFile?: string): string[] {
  const args = [
    "template",
    opts.release ?? "ovenline",
    opts.chart ?? CHART,
    "--namespace",
    "default",
  ];
  for (const f of opts.valuesFiles ?? []) args.push("-f", f);
  if (valuesFile) args.push("-f", valuesFile);
  if (opts.isUpgrade) args.push("--is-upgrade");
  for (const [k, val] of Object.entries(opts.set ?? {})) {
    args.push(typeof val === "string" ? "--set-string" : "--set", `${k}=${val}`);
  }
  return args;
}

/** `helm template`'s output as text; throws with helm's message when it refuses. */
export async function renderText(opts: RenderOptions = {}): Promise<string> {
  const r = await helmTemplate(opts);
  if (!r.ok) throw new Error(`helm template failed: ${r.stderr}`);
  return r.stdout;
}

/** `helm template`, parsed; throws with helm's message when it refuses. */
export async function render(opts: RenderOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await renderText(opts));
}

/** helm's error text when it refuses to render, or undefined when it renders. */
export async function renderError(opts: RenderOptions): Promise<string | undefined> {
  const r = await helmTemplate(opts);
  return r.ok ? undefined : r.stderr;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors[0].message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === "object");
}

// --- validation --------------------------------------------------------------------------------

type ModelClass = new (data: any) => { validate(): void };

const MODELS: Record<string, ModelClass> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "batch/v1/CronJob": CronJob,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "networking.k8s.io/v1/Ingress": Ingress,
  "kafka.strimzi.io/v1/Kafka": Kafka,
  "kafka.strimzi.io/v1/KafkaNodePool": KafkaNodePool,
  "kafka.strimzi.io/v1/KafkaTopic": KafkaTopic,
  "kafka.strimzi.io/v1/KafkaUser": KafkaUser,
  "postgresql.cnpg.io/v1/Cluster": Cluster,
  "postgresql.cnpg.io/v1/ScheduledBackup": ScheduledBackup,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "gateway.networking.k8s.io/v1/GRPCRoute": GRPCRoute,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

type SchemaFn = ((data: unknown) => boolean) & { errors?: any[] | null };

function check(fn: SchemaFn, data: unknown, where: string): void {
  if (!fn(data)) {
    const e = fn.errors?.[0];
    throw new Error(`${where}${e?.instancePath ?? ""} ${e?.message ?? "is invalid"}`);
  }
}

/**
 * k6-operator TestRun (k6.io/v1alpha1): no npm models exist, so this checks the spec against the
 * CRD's structure as published by k6-operator v1.6 (required parallelism and script, the known
 * top-level fields and their types), and the pod-level parts with the Kubernetes schemas.
 */
function validateTestRun(obj: K8sObject): void {
  const where = `TestRun ${obj.metadata?.name}`;
  check(validateObjectMeta as SchemaFn, obj.metadata ?? {}, `${where} metadata`);
  const spec = obj.spec;
  if (!spec || typeof spec !== "object") throw new Error(`${where}: spec is required`);
  const types: Record<string, string> = {
    args: "array",
    arguments: "string",
    cleanup: "string",
    initializer: "object",
    parallelism: "integer",
    paused: "string",
    ports: "array",
    quiet: "string",
    runner: "object",
    script: "object",
    scuttle: "object",
    separate: "boolean",
    starter: "object",
    testRunId: "string",
    token: "string",
  };
  for (const required of ["parallelism", "script"]) {
    if (!(required in spec)) throw new Error(`${where}: spec.${required} is required`);
  }
  for (const [key, value] of Object.entries(spec)) {
    const want = types[key];
    if (!want) throw new Error(`${where}: spec.${key} is not a TestRun field`);
    const got = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
    if (got !== want) throw new Error(`${where}: spec.${key} must be ${want}, got ${got}`);
  }
  if (spec.cleanup !== undefined && spec.cleanup !== "post") {
    throw new Error(`${where}: spec.cleanup must be "post"`);
  }
  const script = spec.script;
  const sources = ["configMap", "localFile", "volumeClaim"].filter((k) => k in script);
  if (sources.length !== 1 || Object.keys(script).length !== 1) {
    throw new Error(`${where}: spec.script needs exactly one of configMap, localFile, volumeClaim`);
  }
  if (script.configMap && typeof script.configMap.name !== "string") {
    throw new Error(`${where}: spec.script.configMap.name is required`);
  }
  const podFields = new Set([
    "affinity",
    "automountServiceAccountToken",
    "containerSecurityContext",
    "disabled",
    "env",
    "envFrom",
    "image",
    "imagePullPolicy",
    "imagePullSecrets",
    "initContainers",
    "livenessProbe",
    "metadata",
    "nodeSelector",
    "priorityClassName",
    "readinessProbe",
    "resources",
    "schedulerName",
    "securityContext",
    "serviceAccountName",
    "tolerations",
    "topologySpreadConstraints",
    "volumeMounts",
    "volumes",
  ]);
  for (const part of ["runner", "starter", "initializer"] as const) {
    const pod = spec[part];
    if (!pod) continue;
    for (const key of Object.keys(pod)) {
      if (!podFields.has(key)) throw new Error(`${where}: spec.${part}.${key} is not a field`);
    }
    if (pod.image !== undefined && typeof pod.image !== "string") {
      throw new Error(`${where}: spec.${part}.image must be a string`);
    }
    for (const [i, env] of (pod.env ?? []).entries()) {
      check(validateEnvVar as SchemaFn, env, `${where} spec.${part}.env[${i}]`);
    }
    if (pod.resources) {
      check(validateResources as SchemaFn, pod.resources, `${where} spec.${part}.resources`);
    }
    if (pod.securityContext) {
      check(
        validatePodSecurity as SchemaFn,
        pod.securityContext,
        `${where} spec.${part}.securityContext`,
      );
    }
    if (pod.containerSecurityContext) {
      check(
        validateSecurity as SchemaFn,
        pod.containerSecurityContext,
        `${where} spec.${part}.containerSecurityContext`,
      );
    }
  }
}

/**
 * Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1): no npm models exist, so
 * this checks the parts the chart writes against the CRD's structure as of Envoy Gateway 1.4
 * (api/v1alpha1/ratelimit_types.go): policy targets, and local rate-limit rules whose limits have a
 * request count and a unit, selecting clients by source CIDR.
 */
function validateBackendTrafficPolicy(obj: K8sObject): void {
  const where = `BackendTrafficPolicy ${obj.metadata?.name}`;
  check(validateObjectMeta as SchemaFn, obj.metadata ?? {}, `${where} metadata`);
  const spec = obj.spec ?? {};
  for (const key of Object.keys(spec)) {
    if (!["targetRefs", "rateLimit"].includes(key)) throw new Error(`${where}: spec.${key}?`);
  }
  const refs = spec.targetRefs;
  if (!Array.isArray(refs) || refs.length === 0) throw new Error(`${where}: spec.targetRefs`);
  for (const ref of refs) {
    if (ref.group !== "gateway.networking.k8s.io" || !ref.kind || !ref.name) {
      throw new Error(`${where}: a target needs group gateway.networking.k8s.io, kind and name`);
    }
  }
  const rateLimit = spec.rateLimit;
  if (rateLimit.type !== "Local" || !Array.isArray(rateLimit.local?.rules)) {
    throw new Error(`${where}: spec.rateLimit must be {type: Local, local: {rules: [...]}}`);
  }
  const units = ["Second", "Minute", "Hour", "Day", "Week", "Month", "Year"];
  for (const rule of rateLimit.local.rules) {
    const { requests, unit } = rule.limit ?? {};
    if (!Number.isInteger(requests) || requests < 0 || !units.includes(unit)) {
      throw new Error(`${where}: a rule's limit needs whole requests and a unit (${units})`);
    }
    for (const selector of rule.clientSelectors ?? []) {
      const cidr = selector.sourceCIDR;
      if (!cidr || !["Exact", "Distinct"].includes(cidr.type) || typeof cidr.value !== "string") {
        throw new Error(`${where}: a client selector's sourceCIDR needs type and value`);
      }
    }
  }
}

/** Throws when the object does not validate against its kind's schema (or the kind is unknown). */
export function validateObject(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (key === "k6.io/v1alpha1/TestRun") return validateTestRun(obj);
  if (key === "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy") {
    return validateBackendTrafficPolicy(obj);
  }
  const Model = MODELS[key];
  if (!Model) throw new Error(`no schema for ${key} (${obj.metadata?.name})`);
  try {
    new Model(obj).validate();
  } catch (error) {
    throw new Error(`${key} ${obj.metadata?.name}: ${(error as Error).message}`);
  }
}

// --- queries -----------------------------------------------------------------------------------

export function find(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) =>
    o.kind === kind && (name === undefined || o.metadata.name === name)
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  }
  return found[0];
}

export function kinds(objs: K8sObject[]): Set<string> {
  return new Set(objs.map((o) => o.kind));
}

export interface PodOf {
  /** Kind/name of the workload. */
  readonly owner: string;
  /** The pod template's spec. */
  readonly pod: any;
  /** The Job spec of a run-to-completion workload (Job, CronJob); undefined for the others. */
  readonly job?: any;
}

/** Pod templates of every workload (Deployment, StatefulSet, Job, CronJob). */
export function podSpecs(objs: K8sObject[]): PodOf[] {
  return objs.flatMap((o): PodOf[] => {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === "Deployment" || o.kind === "StatefulSet") {
      return [{ owner, pod: o.spec.template.spec }];
    }
    if (o.kind === "Job") return [{ owner, pod: o.spec.template.spec, job: o.spec }];
    if (o.kind === "CronJob") {
      const job = o.spec.jobTemplate.spec;
      return [{ owner, pod: job.template.spec, job }];
    }
    return [];
  });
}

/** The value of a container's environment variable, or its secretKeyRef. */
export function envOf(objs: K8sObject[], deployment: string, name: string): any {
  const dep = find(objs, "Deployment", deployment);
  const container = dep.spec.template.spec.containers[0];
  const direct = container.env?.find((e: { name: string }) => e.name === name);
  if (direct) return direct.value ?? direct.valueFrom;
  for (const from of container.envFrom ?? []) {
    const cm = objs.find((o) =>
      o.kind === "ConfigMap" && o.metadata.name === from.configMapRef?.name
    );
    if (cm?.data && name in cm.data) return cm.data[name];
  }
  return undefined;
}
