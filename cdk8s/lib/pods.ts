/**
 * What the chart's pods share: the hardened security contexts, the pod template of a workload,
 * scheduling and spread, the small writable /tmp, resources, secrets and images from values, and
 * volume claims.
 */
import { cat, eq, type Expr, v, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import type { SecretKey } from "./endpoints.ts";
import { labels, n, selector } from "./names.ts";
import { ref, type Resources } from "../values.ts";

/** Non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault. */
export const CONTAINER_SECURITY: NonNullable<k.IContainer["securityContext"]> = {
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

/** A pod that runs as `uid`, without a ServiceAccount token or Service environment variables. */
export function hardenedPod(uid: number): Pick<
  k.IPodSpec,
  "automountServiceAccountToken" | "enableServiceLinks" | "securityContext"
> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurity(uid),
  };
}

/** nodeSelector and tolerations of every pod, from values. */
export function placement(): Pick<k.IPodSpec, "nodeSelector" | "tolerations"> {
  return {
    nodeSelector: v(ref("nodeSelector")),
    tolerations: v(ref("tolerations")) as k.IPodSpec["tolerations"],
  };
}

/**
 * The pod template of `component`'s workload: its labels, annotations (podAnnotations unless
 * given), its ServiceAccount `<fullname>-<component>`, hardened to run as `uid`, placed from values;
 * `spec` adds the containers and volumes (and may override any of these).
 */
export function podTemplate(
  component: string,
  uid: number,
  spec: k.IPodSpec,
  annotations: Record<string, string> = v(ref("podAnnotations")),
): k.IPodTemplateSpec {
  return {
    metadata: { labels: labels(component), annotations },
    spec: { serviceAccountName: n(component), ...hardenedPod(uid), ...placement(), ...spec },
  };
}

/** Whether the values insist on spread (DoNotSchedule) rather than prefer it. */
export const strictSpread = eq(ref("topologySpread.whenUnsatisfiable"), "DoNotSchedule");

/** Replicas of `component` spread over zones, then nodes. */
export function spread(component: string): k.IPodSpec["topologySpreadConstraints"] {
  return [ref("topologySpread.zoneKey"), ref("topologySpread.hostKey")].map((key) => ({
    maxSkew: 1,
    topologyKey: v(key),
    whenUnsatisfiable: v(ref("topologySpread.whenUnsatisfiable")),
    labelSelector: { matchLabels: selector(component) },
    matchLabelKeys: ["pod-template-hash"],
  }));
}

/** The only writable place of a read-only root filesystem. */
export const TMP_VOLUME: k.IVolume = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };

export function resources(path: Expr<Resources>): Resources {
  return v(path);
}

/** An environment variable read from a Secret. */
export function secretEnv(name: string, secret: SecretKey, optional = false): k.IEnvVar {
  return {
    name,
    valueFrom: { secretKeyRef: { name: v(secret.name), key: v(secret.key), optional } },
  };
}

/** Values groups made by values.ts's image(): a repository and a tag. */
type ImageValues =
  | "redis.image"
  | "otel.collector.image"
  | "loadTest.runnerImage"
  | "loadTest.starterImage";

/** `<repository>:<tag>` of a third-party image from its values. */
export function imageOf(values: ImageValues): string {
  return v(cat(ref(`${values}.repository`), ":", ref(`${values}.tag`)));
}

/** A ReadWriteOnce claim of `size` from `storageClass` (the cluster's default when empty). */
export function volumeClaimSpec(
  size: Expr<string>,
  storageClass: Expr<string>,
): k.IPersistentVolumeClaim["spec"] {
  return {
    accessModes: ["ReadWriteOnce"],
    storageClassName: when(storageClass, v(storageClass)),
    resources: { requests: { storage: v(size) } },
  };
}
