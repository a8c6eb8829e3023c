/**
 * What a cluster must offer for a given set of chart values: the operators' CustomResourceDefinitions
 * in the API versions the chart uses, and our own Kitchen CRD. One table, read by the check
 * (checks.ts) and by the tests, which install permissive stand-ins of exactly these kinds.
 */
import {
  KITCHEN_GROUP,
  KITCHEN_KIND,
  KITCHEN_PLURAL,
  KITCHEN_VERSION,
} from "../../adapters/kubernetes/kitchen_crd.ts";

export type Values = Record<string, unknown>;

export interface CrdRequirement {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** Who provides it, and from which version on. */
  readonly provider: string;
  /** Whether these values need it. */
  readonly needed: (values: Values) => boolean;
  /** Installed by the chart itself (crds/), not by an operator. */
  readonly ownCrd?: boolean;
}

/** A value at a dotted path (undefined when absent). */
export function valueAt(values: Values, path: string): unknown {
  let cur: unknown = values;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const on = (path: string) => (values: Values) => valueAt(values, path) === true;
const both = (a: string, b: string) => (values: Values) => on(a)(values) && on(b)(values);

const STRIMZI = "Strimzi 0.49 or newer (kafka.strimzi.io/v1; 1.0 tested)";
const CNPG = "CloudNativePG 1.29";
const KEDA = "KEDA 2.19";
const GATEWAY = "Gateway API 1.5 (standard channel)";
const ENVOY_GATEWAY = "Envoy Gateway 1.4 or newer (per-client-address local rate limits)";
const PROMETHEUS = "prometheus-operator 0.91";
const K6 = "k6-operator 1.6";

export const CRD_REQUIREMENTS: readonly CrdRequirement[] = [
  ...(["Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"] as const).map((kind) => ({
    group: "kafka.strimzi.io",
    version: "v1",
    kind,
    plural: `${kind.toLowerCase()}s`,
    provider: STRIMZI,
    needed: on("kafka.operator.enabled"),
  })),
  {
    group: "postgresql.cnpg.io",
    version: "v1",
    kind: "Cluster",
    plural: "clusters",
    provider: CNPG,
    needed: on("postgres.operator.enabled"),
  },
  {
    group: "postgresql.cnpg.io",
    version: "v1",
    kind: "ScheduledBackup",
    plural: "scheduledbackups",
    provider: CNPG,
    needed: both("postgres.operator.enabled", "postgres.operator.backup.enabled"),
  },
  ...(["ScaledObject", "TriggerAuthentication"] as const).map((kind) => ({
    group: "keda.sh",
    version: "v1alpha1",
    kind,
    plural: `${kind.toLowerCase()}s`,
    provider: KEDA,
    needed: on("consumer.autoscaling.enabled"),
  })),
  ...(["GRPCRoute", "HTTPRoute"] as const).map((kind) => ({
    group: "gateway.networking.k8s.io",
    version: "v1",
    kind,
    plural: `${kind.toLowerCase()}s`,
    provider: GATEWAY,
    needed: on("gateway.enabled"),
  })),
  {
    group: "gateway.envoyproxy.io",
    version: "v1alpha1",
    kind: "BackendTrafficPolicy",
    plural: "backendtrafficpolicies",
    provider: ENVOY_GATEWAY,
    needed: both("gateway.enabled", "gateway.envoyGateway.intakeRateLimit"),
  },
  {
    group: "monitoring.coreos.com",
    version: "v1",
    kind: "PodMonitor",
    plural: "podmonitors",
    provider: PROMETHEUS,
    needed: on("podMonitor.enabled"),
  },
  {
    group: "monitoring.coreos.com",
    version: "v1",
    kind: "PrometheusRule",
    plural: "prometheusrules",
    provider: PROMETHEUS,
    needed: on("prometheusRule.enabled"),
  },
  {
    group: "k6.io",
    version: "v1alpha1",
    kind: "TestRun",
    plural: "testruns",
    provider: K6,
    needed: on("loadTest.enabled"),
  },
  {
    group: KITCHEN_GROUP,
    version: KITCHEN_VERSION,
    kind: KITCHEN_KIND,
    plural: KITCHEN_PLURAL,
    provider: "this chart (crds/; helm installs it before the templates)",
    needed: () => true,
    ownCrd: true,
  },
];

/** `<fullname>` as the chart's _helpers.tpl computes it. */
export function fullnameOf(release: string, values: Values): string {
  const override = valueAt(values, "fullnameOverride");
  if (typeof override === "string" && override) return override;
  return release.includes("ovenline") ? release : `${release}-ovenline`;
}

/** Deep merge as Helm merges values files: maps merge, everything else replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

/** Sets a dotted path (`--set a.b=c`), creating maps on the way. */
export function setValue(values: Values, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur: Record<string, unknown> = values;
  for (const part of parts.slice(0, -1)) {
    if (!isMap(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
