/**
 * Tilt (v0.34.0, built by scripts/tilt.sh) on the repository's Tiltfile against the cluster of
 * test/support/cluster.ts: `tilt ci` brings the stack up and exits, `tilt down` removes it.
 * Tilt finds kubectl and helm on PATH, the cluster through KUBECONFIG; `tilt ci` runs without its
 * web server (--port 0), so that it never meets another Tilt on a port.
 */
import { helm } from "./chart.ts";
import { type Cluster, must, type Run, sh } from "./cluster.ts";

async function tiltEnv(cluster: Cluster, bin: string): Promise<Record<string, string>> {
  const paths = Object.fromEntries(
    (await must("bash", ["scripts/k8s/build.sh", "--print"])).trim().split("\n")
      .map((l) => l.split("=", 2) as [string, string]),
  );
  // The cluster's kubectl and helm under their plain names, as the Tiltfile calls them.
  await Deno.symlink(paths.KUBECTL, `${bin}/kubectl`);
  await Deno.symlink(await helm(), `${bin}/helm`);
  return {
    KUBECONFIG: cluster.kubeconfig,
    PATH: `${bin}:${Deno.env.get("PATH")}`,
    TILT_DISABLE_ANALYTICS: "1",
    HELM_CACHE_HOME: "/tmp/ovenline-helm/cache",
    HELM_CONFIG_HOME: "/tmp/ovenline-helm/config",
    HELM_DATA_HOME: "/tmp/ovenline-helm/data",
  };
}

export interface Tilt {
  /** `tilt ci -- ARGS`: exit 0 once every resource is ready (or the timeout's failure). */
  ci(timeout: string): Promise<Run & { ms: number }>;
  /** `tilt down -- ARGS`: deletes what `tilt ci` made. */
  down(): Promise<Run>;
  /** Removes the folder of PATH links. */
  close(): Promise<void>;
}

/** Tilt on the Tiltfile with these Tiltfile arguments (`--values FILE`, `--set K=V`, ...). */
export async function tilt(cluster: Cluster, tiltfileArgs: string[]): Promise<Tilt> {
  const tiltBin = (await must("bash", ["scripts/tilt.sh"], { loud: true })).trim();
  const links = await Deno.makeTempDir({ prefix: "ovenline-tilt-path-" });
  const env = await tiltEnv(cluster, links);
  const run = (cmd: string, flags: string[]) =>
    sh(tiltBin, [cmd, ...flags, "--", ...tiltfileArgs], { env });
  return {
    async ci(timeout) {
      const t0 = Date.now();
      const r = await run("ci", ["--timeout", timeout, "--port", "0"]);
      return { ...r, ms: Date.now() - t0 };
    },
    down: () => run("down", []),
    close: () => Deno.remove(links, { recursive: true }),
  };
}
