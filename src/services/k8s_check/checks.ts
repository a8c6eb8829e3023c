/**
 * The cluster check behind `deno task k8s:check`, with @kubernetes/client-node.
 *
 * pre (before `helm install`): the API server's version, every operator CRD the values need in the
 * API version the chart uses, our Kitchen CRD (helm installs it from crds/), the namespace.
 * post (after): the same CRDs, then the release's objects — Kafka, node pools, topics and user
 * Ready (Strimzi), the PostgreSQL Cluster Ready (CloudNativePG), the ScaledObject Ready and
 * whether it is active (KEDA), routes accepted, every Deployment available and the Redis
 * StatefulSet ready, and with the Kitchen operator its Lease held and the Kitchens Ready.
 */
import * as k8s from "@kubernetes/client-node";
import { kitchenCrd } from "../../adapters/kubernetes/kitchen_crd.ts";
import { httpStatusOf, kubeErrorText } from "../../adapters/kubernetes/kube_config.ts";
import {
  CRD_REQUIREMENTS,
  type CrdRequirement,
  fullnameOf,
  valueAt,
  type Values,
} from "./requirements.ts";

export type Phase = "pre" | "post";
export type FindingStatus = "ok" | "fail" | "warn" | "info";

export interface Finding {
  readonly section: string;
  readonly status: FindingStatus;
  readonly subject: string;
  readonly detail: string;
}

export interface CheckOptions {
  readonly phase: Phase;
  readonly namespace: string;
  readonly release: string;
  /** The chart's values as the release uses them (defaults merged with the values files). */
  readonly values: Values;
  readonly now?: () => Date;
}

/** The oldest Kubernetes the chart is written for (docs/deploy.md). */
export const MIN_KUBERNETES = { major: 1, minor: 29 };

type Obj = k8s.KubernetesObject & {
  spec?: Record<string, unknown>;
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [key: string]: unknown;
  };
};

export async function checkCluster(kc: k8s.KubeConfig, opts: CheckOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (section: string, status: FindingStatus, subject: string, detail: string) =>
    findings.push({ section, status, subject, detail });

  if (!await checkServer(kc, add)) return findings;
  const present = await checkCrds(kc, opts, add);
  if (opts.phase === "pre") {
    await checkNamespace(kc, opts.namespace, add);
    return findings;
  }
  await checkReleaseObjects(kc, opts, present, add);
  return findings;
}

type Add = (section: string, status: FindingStatus, subject: string, detail: string) => void;

async function checkServer(kc: k8s.KubeConfig, add: Add): Promise<boolean> {
  const where = kc.getCurrentCluster()?.server ?? "(no server)";
  try {
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    const major = Number(version.major.replace(/\D/g, ""));
    const minor = Number(version.minor.replace(/\D/g, ""));
    const recent = major > MIN_KUBERNETES.major ||
      (major === MIN_KUBERNETES.major && minor >= MIN_KUBERNETES.minor);
    add(
      "API server",
      recent ? "ok" : "fail",
      where,
      `Kubernetes ${version.gitVersion}${
        recent ? "" : ` is older than ${MIN_KUBERNETES.major}.${MIN_KUBERNETES.minor}`
      }`,
    );
    return true;
  } catch (error) {
    add("API server", "fail", where, `not reachable: ${kubeErrorText(error)}`);
    return false;
  }
}

/** Checks each CRD the values need; returns the kinds that are served in the right version. */
async function checkCrds(
  kc: k8s.KubeConfig,
  opts: CheckOptions,
  add: Add,
): Promise<Set<string>> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const served = new Set<string>();
  for (const req of CRD_REQUIREMENTS) {
    if (!req.needed(opts.values)) continue;
    const name = `${req.plural}.${req.group}`;
    const subject = `${req.kind} (${req.group}/${req.version})`;
    let crd: k8s.V1CustomResourceDefinition;
    try {
      crd = await ext.readCustomResourceDefinition({ name });
    } catch (error) {
      if (httpStatusOf(error) !== 404) {
        add("CRDs", "fail", subject, `cannot read CRD ${name}: ${kubeErrorText(error)}`);
      } else if (req.ownCrd && opts.phase === "pre") {
        add("CRDs", "info", subject, `not installed yet: helm install adds it (${req.provider})`);
      } else {
        add("CRDs", "fail", subject, `missing: CRD ${name} not found; install ${req.provider}`);
      }
      continue;
    }
    const version = crd.spec.versions.find((v) => v.name === req.version);
    const established = crd.status?.conditions?.some((c) =>
      c.type === "Established" && c.status === "True"
    );
    if (!version || !version.served) {
      const offered = crd.spec.versions.filter((v) => v.served).map((v) => v.name).join(", ");
      add(
        "CRDs",
        "fail",
        subject,
        `CRD ${name} does not serve ${req.version} (serves: ${
          offered || "none"
        }); upgrade to ${req.provider}`,
      );
    } else if (!established) {
      add("CRDs", "fail", subject, `CRD ${name} is not Established yet`);
    } else if (req.ownCrd && !sameKitchenSchema(crd)) {
      served.add(req.kind);
      add(
        "CRDs",
        "warn",
        subject,
        "installed but differs from this chart's: helm never upgrades crds/, so run " +
          "kubectl apply -f charts/ovenline/crds/",
      );
    } else {
      served.add(req.kind);
      add("CRDs", "ok", subject, `served (${req.provider})`);
    }
  }
  return served;
}

/** Whether an installed Kitchen CRD has this chart's spec fields and required list. */
function sameKitchenSchema(crd: k8s.V1CustomResourceDefinition): boolean {
  const ours = kitchenCrd() as {
    spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: SchemaLike } } } }[] };
  };
  const mine = ours.spec.versions[0].schema.openAPIV3Schema.properties.spec;
  const theirs = crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec;
  const keys = (s: SchemaLike | undefined) => Object.keys(s?.properties ?? {}).sort().join(",");
  const req = (s: SchemaLike | undefined) => [...(s?.required ?? [])].sort().join(",");
  return keys(mine) === keys(theirs) && req(mine) === req(theirs);
}
type SchemaLike = { properties?: Record<string, unknown>; required?: string[] };

async function checkNamespace(kc: k8s.KubeConfig, namespace: string, add: Add): Promise<void> {
  try {
    await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace });
    add("Namespace", "ok", namespace, "exists");
  } catch (error) {
    if (httpStatusOf(error) === 404) {
      add(
        "Namespace",
        "info",
        namespace,
        "does not exist yet: kubectl create namespace (or helm install --create-namespace)",
      );
    } else add("Namespace", "warn", namespace, `cannot read: ${kubeErrorText(error)}`);
  }
}

function condition(obj: Obj, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

function conditionText(c: { status: string; reason?: string; message?: string } | undefined) {
  if (!c) return "no condition yet";
  return [c.status, c.reason, c.message].filter(Boolean).join(": ");
}

interface KindCheck {
  readonly section: string;
  /** Whether the release should have at least one. */
  readonly expected: boolean;
  /** The verdict on one object. */
  readonly judge: (obj: Obj) => { status: FindingStatus; detail: string };
}

const mustBeReady = (obj: Obj) => {
  const ready = condition(obj, "Ready");
  return ready?.status === "True"
    ? { status: "ok" as const, detail: "Ready" }
    : { status: "fail" as const, detail: `not Ready (${conditionText(ready)})` };
};

function kindChecks(values: Values): Record<string, KindCheck> {
  return {
    Kafka: { section: "Kafka (Strimzi)", expected: true, judge: mustBeReady },
    KafkaNodePool: {
      section: "Kafka (Strimzi)",
      expected: true,
      judge: (o) => ({
        status: "ok",
        detail: `replicas ${o.status?.replicas ?? "?"}, node ids ${
          JSON.stringify(o.status?.nodeIds ?? [])
        }`,
      }),
    },
    KafkaTopic: { section: "Kafka (Strimzi)", expected: true, judge: mustBeReady },
    KafkaUser: { section: "Kafka (Strimzi)", expected: true, judge: mustBeReady },
    Cluster: {
      section: "PostgreSQL (CloudNativePG)",
      expected: true,
      judge: (o) => {
        const ready = condition(o, "Ready");
        const phase = o.status?.phase ? ` (${o.status.phase})` : "";
        return ready?.status === "True"
          ? { status: "ok", detail: `Ready${phase}` }
          : { status: "fail", detail: `not Ready${phase}: ${conditionText(ready)}` };
      },
    },
    ScheduledBackup: {
      section: "PostgreSQL (CloudNativePG)",
      expected: true,
      judge: (o) => ({
        status: "ok",
        detail: `scheduled${
          o.status?.lastScheduleTime ? `, last ${o.status.lastScheduleTime}` : ""
        }`,
      }),
    },
    ScaledObject: {
      section: "Autoscaling (KEDA)",
      expected: true,
      judge: (o) => {
        const ready = condition(o, "Ready");
        if (ready?.status !== "True") {
          return { status: "fail", detail: `not Ready (${conditionText(ready)})` };
        }
        const active = condition(o, "Active");
        return {
          status: "ok",
          detail: active?.status === "True"
            ? "Ready, active (scaling on consumer lag)"
            : "Ready, idle (no lag above the activation threshold; minReplicas run)",
        };
      },
    },
    TriggerAuthentication: {
      section: "Autoscaling (KEDA)",
      expected: true,
      judge: () => ({ status: "ok", detail: "present" }),
    },
    GRPCRoute: { section: "Traffic (Gateway API)", expected: true, judge: routeAccepted },
    HTTPRoute: { section: "Traffic (Gateway API)", expected: true, judge: routeAccepted },
    PodMonitor: {
      section: "Monitoring",
      expected: true,
      judge: () => ({ status: "ok", detail: "present" }),
    },
    PrometheusRule: {
      section: "Monitoring",
      expected: true,
      judge: () => ({ status: "ok", detail: "present" }),
    },
    TestRun: {
      section: "Load test (k6)",
      expected: true,
      judge: (o) => ({ status: "info", detail: `stage ${o.status?.stage ?? "not started"}` }),
    },
    Kitchen: {
      section: "Kitchens",
      expected: valueAt(values, "kitchenOperator.enabled") === true,
      judge: (o) => {
        const ready = condition(o, "Ready");
        return ready?.status === "True"
          ? { status: "ok", detail: `Ready (${ready.message ?? ""})` }
          : { status: "warn", detail: `not Ready: ${conditionText(ready)}` };
      },
    },
  };
}

function routeAccepted(o: Obj): { status: FindingStatus; detail: string } {
  const parents = (o.status?.parents ?? []) as {
    conditions?: { type: string; status: string }[];
  }[];
  const accepted = parents.some((p) =>
    p.conditions?.some((c) => c.type === "Accepted" && c.status === "True")
  );
  return accepted
    ? { status: "ok", detail: "accepted by its Gateway" }
    : { status: "warn", detail: "not accepted by a Gateway yet (check gateway.parentRefs)" };
}

async function checkReleaseObjects(
  kc: k8s.KubeConfig,
  opts: CheckOptions,
  served: Set<string>,
  add: Add,
): Promise<void> {
  const { namespace, release, values } = opts;
  const labelSelector = `app.kubernetes.io/instance=${release},app.kubernetes.io/name=ovenline`;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const checks = kindChecks(values);
  for (const req of CRD_REQUIREMENTS) {
    const check = checks[req.kind];
    if (!check || !req.needed(values) || !served.has(req.kind)) continue;
    let items: Obj[];
    try {
      // Kitchens are not the release's objects: every Kitchen of the namespace counts.
      const list = await custom.listNamespacedCustomObject({
        group: req.group,
        version: req.version,
        namespace,
        plural: req.plural,
        ...(req.ownCrd ? {} : { labelSelector }),
      }) as { items: Obj[] };
      items = list.items;
    } catch (error) {
      add(check.section, "fail", req.kind, `cannot list: ${kubeErrorText(error)}`);
      continue;
    }
    if (items.length === 0) {
      if (check.expected) {
        add(
          check.section,
          req.ownCrd ? "warn" : "fail",
          req.kind,
          req.ownCrd
            ? `none in ${namespace}: declare the kitchens (kubectl apply -f deploy/kitchens/)`
            : `none of release ${release} in ${namespace}`,
        );
      }
      continue;
    }
    for (const obj of items) {
      const verdict = check.judge(obj);
      add(check.section, verdict.status, `${req.kind} ${obj.metadata?.name}`, verdict.detail);
    }
  }
  if (valueAt(values, "kitchenOperator.enabled") === true) await checkLease(kc, opts, add);
  await checkWorkloads(kc, opts, labelSelector, add);
}

async function checkWorkloads(
  kc: k8s.KubeConfig,
  opts: CheckOptions,
  labelSelector: string,
  add: Add,
): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const section = "Workloads";
  const fullname = fullnameOf(opts.release, opts.values);
  const expected = ["intake", "consumer", "promoter", "hub"].map((s) => `${fullname}-${s}`);
  if (valueAt(opts.values, "kitchenOperator.enabled") === true) {
    expected.push(`${fullname}-kitchen-operator`);
  }
  try {
    const deployments = (await apps.listNamespacedDeployment({
      namespace: opts.namespace,
      labelSelector,
    })).items;
    for (const name of expected) {
      if (!deployments.some((d) => d.metadata?.name === name)) {
        add(section, "fail", `Deployment ${name}`, "missing");
      }
    }
    for (const d of deployments) {
      const want = d.spec?.replicas ?? 1;
      const available = d.status?.availableReplicas ?? 0;
      const cond = d.status?.conditions?.find((c) => c.type === "Available");
      const ok = cond?.status === "True" && available >= want;
      add(
        section,
        ok ? "ok" : "fail",
        `Deployment ${d.metadata?.name}`,
        `${available}/${want} available${ok ? "" : ` (${conditionText(cond)})`}`,
      );
    }
    const sets =
      (await apps.listNamespacedStatefulSet({ namespace: opts.namespace, labelSelector }))
        .items;
    if (valueAt(opts.values, "redis.enabled") === true && sets.length === 0) {
      add(section, "fail", "StatefulSet redis", "missing");
    }
    for (const s of sets) {
      const want = s.spec?.replicas ?? 1;
      const ready = s.status?.readyReplicas ?? 0;
      add(
        section,
        ready >= want ? "ok" : "fail",
        `StatefulSet ${s.metadata?.name}`,
        `${ready}/${want} ready`,
      );
    }
  } catch (error) {
    add(section, "fail", "Deployments", `cannot list: ${kubeErrorText(error)}`);
  }
}

async function checkLease(kc: k8s.KubeConfig, opts: CheckOptions, add: Add): Promise<void> {
  const configured = valueAt(opts.values, "kitchenOperator.leaseName");
  const name = typeof configured === "string" && configured
    ? configured
    : `${fullnameOf(opts.release, opts.values)}-kitchen-operator`;
  const subject = `Lease ${name}`;
  try {
    const lease = await kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({
      name,
      namespace: opts.namespace,
    });
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(String(lease.spec.renewTime)).getTime() : 0;
    const expires = renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const now = (opts.now ?? (() => new Date()))().getTime();
    if (holder && expires > now) {
      add("Kitchens", "ok", subject, `held by ${holder}`);
    } else {
      add(
        "Kitchens",
        "fail",
        subject,
        holder ? `held by ${holder} but expired: no operator replica renews it` : "not held",
      );
    }
  } catch (error) {
    add(
      "Kitchens",
      "fail",
      subject,
      httpStatusOf(error) === 404
        ? "missing: no Kitchen operator replica has started"
        : `cannot read: ${kubeErrorText(error)}`,
    );
  }
}

/** The report: one line per finding, grouped by section, and a summary line. */
export function formatReport(findings: readonly Finding[], opts: CheckOptions): string {
  const mark: Record<FindingStatus, string> = {
    ok: "ok  ",
    fail: "FAIL",
    warn: "warn",
    info: "info",
  };
  const lines = [
    `Ovenline cluster check (${opts.phase === "pre" ? "before install" : "after install"}): ` +
    `namespace ${opts.namespace}, release ${opts.release}`,
  ];
  let section = "";
  for (const f of findings) {
    if (f.section !== section) {
      section = f.section;
      lines.push("", `${section}`);
    }
    lines.push(`  ${mark[f.status]}  ${f.subject}: ${f.detail}`);
  }
  const count = (s: FindingStatus) => findings.filter((f) => f.status === s).length;
  lines.push(
    "",
    `${count("fail") === 0 ? "PASSED" : "FAILED"}: ${count("ok")} ok, ${count("fail")} failed, ` +
      `${count("warn")} warnings, ${count("info")} notes`,
  );
  return lines.join("\n");
}

export type { CrdRequirement };
