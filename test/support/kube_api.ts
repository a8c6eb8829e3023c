/**
 * A real kube-apiserver (with etcd) for tests, run by scripts/k8s/apiserver.sh.
 *
 *   const api = await startKubeApi();   // builds on first use (cached), starts, waits for /readyz
 *   const core = api.kc.makeApiClient(k8s.CoreV1Api);
 *   await api.close();                   // stops it, unless it was already running
 *
 * Handles are counted within the test process: the server is started once and stopped when
 * the last handle closes, and only if this process started it. OVENLINE_K8S_KEEP=1 leaves it
 * running (a developer's loop: `scripts/k8s/apiserver.sh stop` when done).
 */
import * as k8s from "@kubernetes/client-node";

const ROOT_PATH = new URL("../../", import.meta.url).pathname;
const SCRIPT = `${ROOT_PATH}scripts/k8s/apiserver.sh`;

export interface KubeApi {
  /** Loaded from the kubeconfig the script wrote: cluster CA + admin client certificate. */
  kc: k8s.KubeConfig;
  kubeconfigPath: string;
  server: string;
  close(): Promise<void>;
}

async function script(
  action: "build" | "start" | "stop" | "status" | "env",
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  // start/build may compile for minutes on a cold machine: let their progress through.
  const loud = action === "start" || action === "build";
  const out = await new Deno.Command("bash", {
    args: [SCRIPT, action],
    stdin: "null",
    stdout: "piped",
    stderr: loud ? "inherit" : "piped",
  }).output();
  const dec = new TextDecoder();
  const stderr = loud ? "" : dec.decode(out.stderr);
  return { ok: out.success, stdout: dec.decode(out.stdout), stderr };
}

/** Parses the `export KEY=VALUE` lines of `apiserver.sh env`. */
async function scriptEnv(): Promise<Record<string, string>> {
  const { ok, stdout, stderr } = await script("env");
  if (!ok) throw new Error(`apiserver.sh env failed: ${stderr}`);
  return Object.fromEntries(
    stdout.split("\n").filter((l) => l.startsWith("export ")).map((l) => {
      const [key, ...rest] = l.slice("export ".length).split("=");
      return [key, rest.join("=").replace(/^'(.*)'$/, "$1")];
    }),
  );
}

let handles = 0;
let startedHere = false;
let starting: Promise<void> | undefined;

export async function startKubeApi(): Promise<KubeApi> {
  handles++;
  try {
    starting ??= (async () => {
      const wasRunning = (await script("status")).ok;
      if (!wasRunning) {
        const { ok } = await script("start");
        if (!ok) {
          await script("stop"); // whatever half of it did start
          throw new Error("scripts/k8s/apiserver.sh start failed (see its output above)");
        }
        startedHere = true;
      }
    })();
    await starting;
  } catch (error) {
    handles--;
    starting = undefined;
    throw error;
  }
  const env = await scriptEnv();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.KUBECONFIG);
  let closed = false;
  return {
    kc,
    kubeconfigPath: env.KUBECONFIG,
    server: env.OVENLINE_K8S_SERVER,
    async close() {
      if (closed) return;
      closed = true;
      if (--handles > 0) return;
      starting = undefined;
      if (startedHere && Deno.env.get("OVENLINE_K8S_KEEP") !== "1") {
        startedHere = false;
        const { ok, stderr } = await script("stop");
        if (!ok) throw new Error(`apiserver.sh stop failed: ${stderr}`);
      }
    },
  };
}

/** The HTTP status of a failed client-node call (ApiException.code), or undefined. */
export function httpStatus(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}
