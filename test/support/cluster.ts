/**
 * The single-node Kubernetes of `./dev cluster` (scripts/k8s/cluster.sh) for tests, driven with
 * the stock tools a platform engineer uses: kubectl (built with the cluster) and helm.
 *
 *   const cluster = await startCluster();       // up (builds on first use), or reuse a running one
 *   await cluster.kubectl("get", "nodes");
 *   await cluster.close();                      // down, unless it was already up
 *
 * OVENLINE_CLUSTER_KEEP=1 leaves a cluster this test started running (`./dev cluster down`).
 */
import { helm } from "./chart.ts";
import { ROOT_PATH } from "./infra.ts";

const dec = new TextDecoder();

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How much of a loud command's stderr a failure keeps: its last lines say why it failed. */
const LOUD_TAIL_BYTES = 8 * 1024;

/**
 * Runs a command in the repository; `loud` also passes its stderr through as it comes (progress
 * of long builds), and keeps only the end of it in the result.
 */
export async function sh(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; loud?: boolean; stdin?: string } = {},
): Promise<Run> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT_PATH,
    env: opts.env,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).arrayBuffer(),
    opts.loud ? passThroughKeepingTail(child.stderr) : new Response(child.stderr).arrayBuffer(),
    child.status,
  ]);
  return { code: status.code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

async function passThroughKeepingTail(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  let tail = new Uint8Array(0);
  for await (const chunk of stream) {
    for (let at = 0; at < chunk.length;) at += await Deno.stderr.write(chunk.subarray(at));
    const joined = new Uint8Array(tail.length + chunk.length);
    joined.set(tail);
    joined.set(chunk, tail.length);
    tail = joined.subarray(Math.max(0, joined.length - LOUD_TAIL_BYTES));
  }
  return tail;
}

/** Like sh, but throws with the command's output when it fails. */
export async function must(cmd: string, args: string[], opts: Parameters<typeof sh>[2] = {}) {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** NAME=PATH lines of scripts/k8s/build.sh --print. */
async function builtPaths(): Promise<Record<string, string>> {
  const out = await must("bash", ["scripts/k8s/build.sh", "--print"]);
  return Object.fromEntries(out.trim().split("\n").map((l) => l.split("=", 2) as [string, string]));
}

export interface Cluster {
  readonly kubeconfig: string;
  readonly nodeIp: string;
  /** How long `cluster.sh up` took here (0 when it was already up). */
  readonly upMs: number;
  kubectl(...args: string[]): Promise<string>;
  kubectlRun(args: string[], stdin?: string): Promise<Run>;
  /** kubectl ... -o json, parsed. */
  // deno-lint-ignore no-explicit-any
  json(...args: string[]): Promise<any>;
  helm(...args: string[]): Promise<Run>;
  close(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const wasUp = (await sh("bash", ["scripts/k8s/cluster.sh", "status"])).code === 0;
  const t0 = Date.now();
  if (!wasUp) await must("bash", ["scripts/k8s/cluster.sh", "up"], { loud: true });
  const upMs = wasUp ? 0 : Date.now() - t0;
  const env = Object.fromEntries(
    (await must("bash", ["scripts/k8s/cluster.sh", "env"])).trim().split("\n").map((l) => {
      const [k, ...v] = l.replace(/^export /, "").split("=");
      return [k, v.join("=").replace(/^'(.*)'$/, "$1")];
    }),
  );
  const kubeconfig = env.KUBECONFIG;
  const paths = await builtPaths();
  const helmBin = await helm();
  const kubectlRun = (args: string[], stdin?: string) =>
    sh(paths.KUBECTL, ["--kubeconfig", kubeconfig, ...args], { stdin });
  const kubectl = (...args: string[]) => must(paths.KUBECTL, ["--kubeconfig", kubeconfig, ...args]);
  return {
    kubeconfig,
    nodeIp: env.OVENLINE_CLUSTER_NODE_IP,
    upMs,
    kubectl,
    kubectlRun,
    json: async (...args: string[]) => JSON.parse(await kubectl(...args, "-o", "json")),
    helm: (...args: string[]) =>
      sh(helmBin, ["--kubeconfig", kubeconfig, ...args], {
        env: {
          HELM_CACHE_HOME: "/tmp/ovenline-helm/cache",
          HELM_CONFIG_HOME: "/tmp/ovenline-helm/config",
          HELM_DATA_HOME: "/tmp/ovenline-helm/data",
        },
      }),
    async close() {
      if (wasUp || Deno.env.get("OVENLINE_CLUSTER_KEEP") === "1") return;
      await must("bash", ["scripts/k8s/cluster.sh", "down"]);
    },
  };
}
