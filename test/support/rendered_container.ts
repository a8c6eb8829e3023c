// deno-lint-ignore-file no-explicit-any -- rendered manifests are untyped YAML
/**
 * Runs a container of the rendered chart as a local process, as the kubelet would start it: its
 * command line exactly as rendered (`deno` is this Deno, `$(VAR)` expanded from its environment),
 * in the repository (the image's WORKDIR /app), with the environment the pod gets: its ConfigMaps
 * (envFrom), its values, the Secrets of the same render (secretKeyRef; a missing optional one is
 * skipped, as the kubelet does) and its own fields (fieldRef), plus what the image sets.
 */
import type { K8sObject } from "./chart.ts";
import { ROOT_PATH } from "./infra.ts";

/** What the Dockerfile sets for every process, and what any process needs to find Deno's cache. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = { KAFKAJS_NO_PARTITIONER_WARNING: "1", NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function secretValue(objs: K8sObject[], name: string, key: string): string | undefined {
  const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === name);
  const value = secret?.stringData?.[key];
  return value === undefined ? undefined : String(value);
}

/** The environment of `container` in pod `podName` of namespace `namespace`. */
export function containerEnv(
  objs: K8sObject[],
  container: any,
  pod: { name: string; namespace: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv(), ...extra };
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    if (!cm) throw new Error(`${container.name}: no ConfigMap ${name} in the render`);
    for (const [k, value] of Object.entries(cm.data ?? {})) env[k] = String(value);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = String(e.value);
      continue;
    }
    const secretRef = e.valueFrom?.secretKeyRef;
    const fieldRef = e.valueFrom?.fieldRef;
    if (secretRef) {
      const value = secretValue(objs, secretRef.name, secretRef.key);
      if (value === undefined) {
        if (secretRef.optional) continue;
        throw new Error(`${container.name}: ${e.name} needs ${secretRef.name}/${secretRef.key}`);
      }
      env[e.name] = value;
    } else if (fieldRef?.fieldPath === "metadata.namespace") {
      env[e.name] = pod.namespace;
    } else if (fieldRef?.fieldPath === "metadata.name") {
      env[e.name] = pod.name;
    } else {
      throw new Error(`${container.name}: ${e.name} has a source this runner does not know`);
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion in a command (an unknown variable stays as written). */
export function expandVars(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
}

export interface LocalRun {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

/**
 * The process `container` starts: its command (and args), `deno` being this Deno. `paths` maps
 * absolute paths of the pod (a volume's mount point) to local folders, in arguments and values.
 */
export function localRun(
  container: any,
  env: Record<string, string>,
  paths: Record<string, string> = {},
): LocalRun {
  const local = (text: string) =>
    Object.entries(paths).reduce((t, [from, to]) => t.replaceAll(from, to), text);
  const [program, ...rest] = [...container.command, ...(container.args ?? [])]
    .map((a: string) => local(expandVars(a, env)));
  if (program !== "deno") throw new Error(`${container.name} runs ${program}, not deno`);
  const localEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, local(v)]));
  return { command: Deno.execPath(), args: rest, env: localEnv };
}

/** Starts `run` in the repository (the image's WORKDIR), its output into `logPath`. */
export async function spawnLocal(run: LocalRun, logPath: string): Promise<Deno.ChildProcess> {
  const log = await Deno.open(logPath, { create: true, write: true, truncate: true });
  const child = new Deno.Command(run.command, {
    args: run.args,
    env: run.env,
    clearEnv: true,
    cwd: ROOT_PATH,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const sink = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeTo(new WritableStream({ write: (c) => log.write(c).then(() => {}) })).catch(
      () => {},
    );
  Promise.all([sink(child.stdout), sink(child.stderr)]).finally(() => log.close());
  return child;
}

/** Runs `run` to completion; its exit code and output. */
export async function runLocal(run: LocalRun): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(run.command, {
    args: run.args,
    env: run.env,
    clearEnv: true,
    cwd: ROOT_PATH,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
