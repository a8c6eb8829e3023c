/** The cluster check's settings: its command line, and KUBECONFIG / HOME from the environment. */
import type { KubeSettings } from "../../adapters/kubernetes/kube_config.ts";
import { type Env, optionalText } from "../../config/env.ts";
import type { Phase } from "./checks.ts";

export const USAGE = `usage: deno task k8s:check --phase pre|post [options]
  --phase pre|post    pre: before helm install (CRDs, version, namespace); post: after it
  -n, --namespace NS  the release's namespace (default ovenline)
  --release NAME      the Helm release (default ovenline)
  -f, --values FILE   values file used for the release (repeatable; merged over the chart's defaults)
  --set KEY=VALUE     a value used for the release (repeatable; true/false/numbers as such)
  --kubeconfig PATH   default: $KUBECONFIG, else ~/.kube/config, else in-cluster
  --context NAME      kubeconfig context (default: its current one)
Exit status: 0 no failures, 1 failures, 2 usage or the cluster is unreachable.`;

export interface K8sCheckConfig {
  readonly phase: Phase;
  readonly namespace: string;
  readonly release: string;
  readonly valuesFiles: readonly string[];
  readonly set: readonly [string, unknown][];
  readonly kube: KubeSettings;
}

export function readK8sCheckConfig(
  args: readonly string[],
  env: Env = Deno.env.toObject(),
): K8sCheckConfig | { readonly error: string } {
  let phase: string | undefined;
  let namespace = "ovenline";
  let release = "ovenline";
  let kubeconfig = optionalText(env, "KUBECONFIG");
  let context: string | undefined;
  const valuesFiles: string[] = [];
  const set: [string, unknown][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const next = () => {
      const value = inline ?? args[++i];
      if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
      return value;
    };
    try {
      switch (flag) {
        case "-h":
        case "--help":
          return { error: "" };
        case "--phase":
          phase = next();
          break;
        case "-n":
        case "--namespace":
          namespace = next();
          break;
        case "--release":
          release = next();
          break;
        case "-f":
        case "--values":
          valuesFiles.push(next());
          break;
        case "--set": {
          const pair = next();
          const eq = pair.indexOf("=");
          if (eq <= 0) return { error: `--set wants KEY=VALUE, got ${pair}` };
          set.push([pair.slice(0, eq), scalar(pair.slice(eq + 1))]);
          break;
        }
        case "--kubeconfig":
          kubeconfig = next();
          break;
        case "--context":
          context = next();
          break;
        default:
          return { error: `unknown argument ${arg}` };
      }
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  if (phase !== "pre" && phase !== "post") return { error: "--phase must be pre or post" };
  if (!kubeconfig) {
    const home = optionalText(env, "HOME");
    const candidate = home ? `${home}/.kube/config` : undefined;
    if (candidate && existsSync(candidate)) kubeconfig = candidate;
  }
  return {
    phase,
    namespace,
    release,
    valuesFiles,
    set,
    kube: { kubeconfigPath: kubeconfig, context },
  };
}

function scalar(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
