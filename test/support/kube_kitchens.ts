/**
 * Kubernetes set-up for the Kitchen operator's tests against the real API server
 * (test/support/kube_api.ts): the chart's Kitchen CRD, a namespace, a ServiceAccount with exactly
 * the chart's Role rules and a kubeconfig that authenticates as it, and operator processes.
 */
import * as k8s from "@kubernetes/client-node";
import { KITCHEN_CRD_NAME } from "../../src/adapters/kubernetes/kitchen_crd.ts";
import type { PolicyRule } from "../../src/services/kitchen_operator/rbac.ts";
import { ROOT_PATH } from "./infra.ts";
import { httpStatus } from "./kube_api.ts";
import { waitFor } from "./wait.ts";

export const KITCHEN_CRD_FILE = `${ROOT_PATH}charts/ovenline/crds/${KITCHEN_CRD_NAME}.yaml`;

/** Creates or updates objects with server-side apply (force: the test owns every field). */
export async function applyObjects(
  kc: k8s.KubeConfig,
  docs: readonly k8s.KubernetesObject[],
  opts: { dryRun?: boolean; namespace?: string } = {},
): Promise<k8s.KubernetesObject[]> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const applied: k8s.KubernetesObject[] = [];
  for (const doc of docs) {
    const withNs = opts.namespace && !doc.metadata?.namespace
      ? { ...doc, metadata: { ...doc.metadata, namespace: opts.namespace } }
      : doc;
    applied.push(
      await objects.patch(
        withNs,
        undefined,
        opts.dryRun ? "All" : undefined,
        "ovenline-test",
        true,
        k8s.PatchStrategy.ServerSideApply,
      ),
    );
  }
  return applied;
}

/** Installs (or updates) a CRD from YAML text and waits until it is Established and served. */
export async function installCrd(kc: k8s.KubeConfig, yamlText: string): Promise<string> {
  const [doc] = k8s.loadAllYaml(yamlText) as k8s.V1CustomResourceDefinition[];
  const name = doc.metadata!.name!;
  await applyObjects(kc, [doc]);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await waitFor(
    `CRD ${name} Established`,
    async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    },
    30_000,
    100,
  );
  // Discovery serves a new resource shortly after Established.
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const version = doc.spec.versions.find((v) => v.storage)!.name;
  await waitFor(
    `${name} served`,
    async () => {
      await custom.listClusterCustomObject({
        group: doc.spec.group,
        version,
        plural: doc.spec.names.plural,
      });
      return true;
    },
    30_000,
    100,
  );
  return name;
}

/** The chart's Kitchen CRD (charts/ovenline/crds/), installed. */
export async function installKitchenCrd(kc: k8s.KubeConfig): Promise<void> {
  await installCrd(kc, await Deno.readTextFile(KITCHEN_CRD_FILE));
}

export async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if (httpStatus(error) !== 409) throw error;
  }
}

/**
 * A ServiceAccount `name` bound to a Role with `rules` in `namespace`, and a kubeconfig file that
 * authenticates as it (a bound token, one hour). Returns the file's path and a KubeConfig.
 */
export async function serviceAccountKubeconfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  rules: readonly PolicyRule[],
  dir: string,
): Promise<{ path: string; kc: k8s.KubeConfig }> {
  await applyObjects(kc, [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace },
      rules: rules.map((r) => ({ ...r })),
    } as k8s.KubernetesObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    } as k8s.KubernetesObject,
  ]);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: test",
    "  cluster:",
    `    server: ${cluster.server}`,
    `    certificate-authority-data: ${cluster.caData}`,
    "users:",
    `- name: ${name}`,
    "  user:",
    `    token: ${request.status!.token}`,
    "contexts:",
    `- name: ${name}`,
    "  context:",
    "    cluster: test",
    `    user: ${name}`,
    `    namespace: ${namespace}`,
    `current-context: ${name}`,
    "",
  ].join("\n");
  const path = `${dir}/${name}.kubeconfig`;
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  const asSa = new k8s.KubeConfig();
  asSa.loadFromFile(path);
  // The authorizer reads RBAC from its informer cache: wait until the Role takes effect.
  const review = asSa.makeApiClient(k8s.AuthorizationV1Api);
  const first = rules[0];
  await waitFor(
    `the Role of ${name} to take effect`,
    async () => {
      const r = await review.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              namespace,
              group: first.apiGroups[0],
              resource: first.resources[0],
              verb: first.verbs[0],
            },
          },
        },
      });
      return r.status?.allowed === true;
    },
    10_000,
    100,
  );
  return { path, kc: asSa };
}

/** A kitchen-operator process (src/services/kitchen_operator/main.ts), its log in .artifacts/logs. */
export class OperatorProcess {
  #child: Deno.ChildProcess | undefined;
  #exited: Promise<Deno.CommandStatus> | undefined;
  #log: Deno.FsFile | undefined;
  readonly logPath: string;
  readonly healthPort: number;

  constructor(readonly identity: string, private readonly env: Record<string, string>) {
    Deno.mkdirSync(`${ROOT_PATH}.artifacts/logs`, { recursive: true });
    this.logPath = `${ROOT_PATH}.artifacts/logs/kitchen-operator-${identity}.log`;
    this.healthPort = Number(env.KITCHEN_OPERATOR_HEALTH_PORT);
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.#log = await Deno.open(this.logPath, { create: true, write: true, truncate: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${ROOT_PATH}src/services/kitchen_operator/main.ts`],
      env: { ...this.env, POD_NAME: this.identity },
      cwd: ROOT_PATH,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const log = this.#log;
    const sink = (s: ReadableStream<Uint8Array>) =>
      s.pipeTo(new WritableStream({ write: (c) => log.write(c).then(() => {}) })).catch(() => {});
    const pumps = Promise.all([sink(child.stdout), sink(child.stderr)]);
    this.#exited = child.status.then(async (status) => {
      await pumps;
      return status;
    });
    await waitFor(
      `kitchen operator ${this.identity} ready`,
      async () => {
        if (await this.#hasExited()) {
          throw new Error(`exited during start-up:\n${await this.tail()}`);
        }
        const res = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`).catch(() =>
          undefined
        );
        await res?.body?.cancel();
        return res?.ok === true;
      },
      timeoutMs,
      100,
    ).catch(async (error) => {
      await this.kill();
      throw new Error(`${(error as Error).message}\n${await this.tail()}`);
    });
  }

  /** SIGKILL: like a crashed pod (no Lease hand-over). */
  kill(): Promise<void> {
    return this.#signal("SIGKILL");
  }

  /** SIGTERM: a graceful stop (hands the Lease over). */
  stop(): Promise<void> {
    return this.#signal("SIGTERM");
  }

  async logText(): Promise<string> {
    return await Deno.readTextFile(this.logPath).catch(() => "");
  }

  /** The JSON log lines with message `msg`. */
  /** The JSON log lines with message `msg` (every one without), in the order they were written. */
  async logLines(msg?: string): Promise<Record<string, unknown>[]> {
    return (await this.logText()).split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    }).filter((r) => msg === undefined || r.msg === msg);
  }

  async tail(lines = 30): Promise<string> {
    return (await this.logText()).split("\n").slice(-lines).join("\n");
  }

  async #hasExited(): Promise<boolean> {
    if (!this.#exited) return true;
    return await Promise.race([this.#exited.then(() => true), Promise.resolve(false)]);
  }

  async #signal(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch { /* gone */ }
    const done = await Promise.race([
      this.#exited!.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    if (!done) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await this.#exited;
    }
    this.#log?.close();
    this.#log = undefined;
  }
}

/**
 * A TCP proxy in front of the API server whose connections the test can cut, to see a client
 * lose its watch and recover (the API server itself keeps running for everyone else).
 */
export class CuttableProxy {
  #listener: Deno.Listener | undefined;
  readonly #conns = new Set<Deno.Conn>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  /** Listens (again, on the same port after a cut). */
  start(): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    void this.#accept(this.#listener);
  }

  /** Stops listening and drops every open connection. */
  cut(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const c of this.#conns) {
      // close() alone leaves the socket open while a read on it is pending (Deno keeps the
      // resource alive until that read ends): shut the write side first, so the peer sees EOF.
      c.closeWrite().catch(() => {}).finally(() => {
        try {
          c.close();
        } catch { /* closed */ }
      });
    }
    this.#conns.clear();
  }

  /** A kubeconfig like `kc` (same CA and client certificate) that goes through the proxy. */
  kubeConfig(kc: k8s.KubeConfig): k8s.KubeConfig {
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    const proxied = new k8s.KubeConfig();
    proxied.loadFromOptions({
      clusters: [{
        name: "proxy",
        server: `https://127.0.0.1:${this.port}`,
        caData: cluster.caData,
      }],
      users: [{ name: user.name, certData: user.certData, keyData: user.keyData }],
      contexts: [{ name: "proxy", cluster: "proxy", user: user.name }],
      currentContext: "proxy",
    });
    return proxied;
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    try {
      for await (const inbound of listener) {
        this.#conns.add(inbound);
        Deno.connect({ hostname: "127.0.0.1", port: this.targetPort }).then((outbound) => {
          this.#conns.add(outbound);
          // Plain read/write loops: a Conn whose readable stream is being piped is not closed
          // by close() under Deno 2.8, so a cut would not reach the client.
          const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
            const buf = new Uint8Array(64 * 1024);
            try {
              for (let n = await from.read(buf); n !== null; n = await from.read(buf)) {
                for (let off = 0; off < n;) off += await to.write(buf.subarray(off, n));
              }
            } catch { /* cut or closed */ }
            for (const c of [from, to]) {
              try {
                c.close();
              } catch { /* closed */ }
              this.#conns.delete(c);
            }
          };
          void pipe(inbound, outbound);
          void pipe(outbound, inbound);
        }, () => inbound.close());
      }
    } catch { /* listener closed */ }
  }
}
