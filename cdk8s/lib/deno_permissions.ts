/**
 * What each Ovenline process may do, as `deno run` permission flags: the hosts of the endpoints
 * it is configured with and the ports it serves (--allow-net), the files it reads
 * (--allow-read), the environment variables the chart sets for it (--allow-env; --ignore-env
 * makes every other variable read as unset, for the libraries that look at theirs), and only the
 * system information it asks for (--allow-sys). Measured on Deno 2.8.3 with
 * DENO_AUDIT_PERMISSIONS; test/deno_permissions_test.ts runs each rendered command against real
 * infrastructure.
 */
import {
  and,
  cat,
  type Expr,
  ifElse,
  join,
  lit,
  nonEmpty,
  noSpace,
  not,
  releaseNamespace,
  v,
} from "./expr.ts";
import { hostPort } from "./helpers.ts";
import {
  KAFKA_CA_DIR,
  kafkaCluster,
  kafkaOperator,
  pgCluster,
  pgOperator,
  redisInRelease,
} from "./endpoints.ts";
import { nameOf } from "./names.ts";
import { CA_DIRS } from "./tls_cas.ts";
import type { Check } from "./render.ts";
import { ref } from "../values.ts";

/** What a process connects to; each brings its hosts and the CA folder mounted for it. */
export type Peer = "kafka" | "postgres" | "redis" | "kube-api";

export interface DenoPermissions {
  /** Ports it serves on every interface. */
  readonly serves?: readonly Expr<number>[];
  /** What it connects to (`kube-api` only when the expression holds, if one is given). */
  readonly connects: readonly Peer[];
  /** Other hosts it connects to (an empty one is left out). */
  readonly net?: readonly Expr<string>[];
  /** When it connects to the Kubernetes API (default: always, when listed). */
  readonly kubeApiWhen?: Expr<unknown>;
  /** Files and folders it reads beyond node_modules, relative to the image's WORKDIR or absolute. */
  readonly reads?: readonly string[];
  /** Environment variables it may read (the chart sets them). */
  readonly env: readonly string[];
  /** System information it asks for (Deno's --allow-sys names). */
  readonly sys?: readonly string[];
  /** The one folder it may write (and read). */
  readonly writes?: string;
}

/** Where the service account's token and CA are mounted in a pod. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The Kubernetes API server as @kubernetes/client-node reaches it in a pod: the kubelet sets
 * these, and expands `$(...)` in a container's command.
 */
const KUBE_API = "$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)";
const KUBE_API_ENV = ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"];

/**
 * The hosts of each peer, as configured: the operator-run Kafka's bootstrap Service and its
 * brokers (which Strimzi advertises as <pod>.<cluster>-kafka-brokers.<namespace>.svc), the
 * CloudNativePG Cluster's read-write Service as its app Secret names it, Redis in the release; or
 * the external endpoints from values (an external database's URL in an existing Secret is out of
 * the chart's sight: denoPermissions.extraHosts.postgres then names it, and the chart insists);
 * and the extra hosts of each in denoPermissions.extraHosts.
 */
const HOSTS: Record<Exclude<Peer, "kube-api">, Expr<string>> = {
  kafka: withExtra(
    "kafka",
    ifElse(
      kafkaOperator,
      cat(
        kafkaCluster,
        "-kafka-bootstrap:9093,*.",
        kafkaCluster,
        "-kafka-brokers.",
        releaseNamespace,
        ".svc:9093",
      ),
      noSpace(ref("kafka.external.brokers")),
    ),
  ),
  postgres: withExtra(
    "postgres",
    ifElse(
      pgOperator,
      cat(pgCluster, "-rw.", releaseNamespace, ":5432"),
      ifElse(
        ref("postgres.external.existingSecret"),
        lit(""),
        hostPort(ref("postgres.external.url")),
      ),
    ),
  ),
  redis: withExtra(
    "redis",
    ifElse(redisInRelease, cat(nameOf("redis"), ":6379"), hostPort(ref("redis.external.url"))),
  ),
};

/** `hosts` and denoPermissions.extraHosts.<peer>, comma-separated. */
function withExtra(peer: "kafka" | "postgres" | "redis", hosts: Expr<string>): Expr<string> {
  return join(",", nonEmpty(hosts, join(",", ref(`denoPermissions.extraHosts.${peer}`))));
}

const CA_OF: Partial<Record<Peer, string>> = {
  kafka: KAFKA_CA_DIR,
  postgres: CA_DIRS.postgres,
  redis: CA_DIRS.redis,
  "kube-api": SERVICE_ACCOUNT_DIR,
};

/**
 * A `--<flag>=a,b` argument of the non-empty parts. Deno refuses an empty list outright
 * ("empty values are not allowed"), so a process never runs with a list the values left empty.
 */
function listFlag(flag: string, parts: readonly (string | Expr<string>)[]): string {
  if (parts.every((p) => typeof p === "string")) {
    return `--${flag}=${(parts as string[]).filter((p) => p !== "").join(",")}`;
  }
  const list = nonEmpty(...parts.map((p) => (typeof p === "string" ? lit(p) : p)));
  return v(cat(`--${flag}=`, join(",", list)));
}

/** The permission flags of a process (see the module comment). */
export function permissionFlags(p: DenoPermissions): string[] {
  const kube = p.connects.includes("kube-api");
  const onKube = (
    value: string,
  ) => (p.kubeApiWhen ? ifElse(p.kubeApiWhen, lit(value), lit("")) : value);
  const net = [
    ...(p.serves ?? []).map((port) => cat("0.0.0.0:", port)),
    ...p.connects.filter((c) => c !== "kube-api").map((c) => HOSTS[c as keyof typeof HOSTS]),
    ...(p.net ?? []),
    ...(kube ? [onKube(KUBE_API)] : []),
  ];
  const reads = [
    "node_modules",
    ...(p.reads ?? []),
    ...(p.writes ? [p.writes] : []),
    ...p.connects.filter((c) => c !== "kube-api").map((c) => CA_OF[c]!),
    ...(kube ? [onKube(SERVICE_ACCOUNT_DIR)] : []),
  ];
  const env = [...new Set(p.env)].sort();
  return [
    listFlag("allow-net", net),
    listFlag("allow-read", reads),
    ...(p.writes ? [`--allow-write=${p.writes}`] : []),
    listFlag("allow-env", [...env, ...(kube ? [onKube(KUBE_API_ENV.join(","))] : [])]),
    "--ignore-env",
    ...(p.sys?.length ? [`--allow-sys=${p.sys.join(",")}`] : []),
  ];
}

/** The database's host is in an existing Secret: the values must name it for --allow-net. */
export function permissionChecks(checks: Check[]): void {
  checks.push({
    failWhen: and(
      not(pgOperator),
      ref("postgres.external.existingSecret"),
      not(ref("denoPermissions.extraHosts.postgres")),
    ),
    message:
      "denoPermissions.extraHosts.postgres: name the host:port of the PostgreSQL in postgres.external.existingSecret (the chart cannot read the Secret's URL, and the processes may connect only to hosts it names)",
  });
}
