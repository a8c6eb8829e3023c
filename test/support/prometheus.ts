/**
 * Debian's Prometheus, run on the host against the single-node cluster, scraping what the chart
 * exposes the way its PodMonitor asks (cdk8s/lib/telemetry/monitoring.ts): the release's pods,
 * container ports named "metrics", path /metrics. Debian builds Prometheus without
 * Kubernetes service discovery, so the pods are listed with kubectl and handed to Prometheus as a
 * file_sd target file (`refresh()` lists them again). The alert rules of
 * deploy/observability/alerts.yaml are loaded, so that every series they read can be looked up.
 */
import { stringify } from "yaml";
import type { Cluster } from "./cluster.ts";
import { ROOT_PATH } from "./infra.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export interface Prometheus {
  readonly url: string;
  // deno-lint-ignore no-explicit-any
  query(expr: string): Promise<any[]>;
  // deno-lint-ignore no-explicit-any
  targets(): Promise<any[]>;
  /** Lists the release's pods again and rewrites the target file. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** The scrape targets the chart's PodMonitor selects, as a file_sd target list. */
async function podTargets(cluster: Cluster, namespace: string, release: string) {
  const pods = await cluster.json(
    "-n",
    namespace,
    "get",
    "pods",
    "-l",
    `app.kubernetes.io/instance=${release}`,
  );
  // deno-lint-ignore no-explicit-any
  return pods.items.filter((p: any) => p.status.podIP && p.status.phase === "Running").flatMap(
    // deno-lint-ignore no-explicit-any
    (p: any) =>
      // deno-lint-ignore no-explicit-any
      p.spec.containers.flatMap((c: any) => c.ports ?? []).filter((port: any) =>
        port.name === "metrics"
        // deno-lint-ignore no-explicit-any
      ).map((port: any) => ({
        targets: [`${p.status.podIP}:${port.containerPort}`],
        labels: {
          component: p.metadata.labels["app.kubernetes.io/component"] ?? "",
          pod: p.metadata.name,
        },
      })),
  );
}

export async function startPrometheus(
  cluster: Cluster,
  namespace: string,
  release: string,
): Promise<Prometheus> {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-prometheus-" });
  const targetsFile = `${dir}/targets.json`;
  const refresh = async () => {
    const targets = await podTargets(cluster, namespace, release);
    await Deno.writeTextFile(`${targetsFile}.tmp`, JSON.stringify(targets));
    await Deno.rename(`${targetsFile}.tmp`, targetsFile);
  };
  await refresh();
  const config = {
    global: { scrape_interval: "5s", evaluation_interval: "5s" },
    rule_files: [`${ROOT_PATH}deploy/observability/alerts.yaml`],
    scrape_configs: [{
      job_name: "ovenline",
      metrics_path: "/metrics",
      file_sd_configs: [{ files: [targetsFile], refresh_interval: "5s" }],
    }],
  };
  await Deno.writeTextFile(`${dir}/prometheus.yml`, stringify(config));
  const port = freePort();
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const api = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    const body = await res.json();
    if (body.status !== "success") throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  await waitFor(
    "Prometheus ready",
    async () => {
      const res = await fetch(`${url}/-/ready`);
      await res.body?.cancel();
      return res.ok;
    },
    30_000,
    200,
  );
  return {
    url,
    query: async (expr) => (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    targets: async () => (await api("/api/v1/targets?state=active")).activeTargets,
    refresh,
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
