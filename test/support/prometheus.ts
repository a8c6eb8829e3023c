/**
 * Debian's Prometheus, run on the host against the single-node cluster, scraping what the chart
 * exposes the way its PodMonitor asks (monitoring.ts): the release's pods, container ports named
 * "metrics" or "http", path /metrics. Pods are found through the API server (kubernetes_sd with
 * the cluster's admin certificate); the alert rules of deploy/observability/alerts.yaml are
 * loaded, so that every series they read can be looked up.
 */
import { stringify } from "yaml";
import { ROOT_PATH } from "./infra.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export interface Prometheus {
  readonly url: string;
  // deno-lint-ignore no-explicit-any
  query(expr: string): Promise<any[]>;
  // deno-lint-ignore no-explicit-any
  targets(): Promise<any[]>;
  close(): Promise<void>;
}

export async function startPrometheus(
  apiServer: string,
  namespace: string,
  release: string,
): Promise<Prometheus> {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-prometheus-" });
  const pki = `${ROOT_PATH}.infra/cluster/pki`;
  const config = {
    global: { scrape_interval: "5s", evaluation_interval: "5s" },
    rule_files: [`${ROOT_PATH}deploy/observability/alerts.yaml`],
    scrape_configs: [{
      job_name: "ovenline",
      metrics_path: "/metrics",
      kubernetes_sd_configs: [{
        role: "pod",
        api_server: apiServer,
        namespaces: { names: [namespace] },
        tls_config: {
          ca_file: `${pki}/ca.crt`,
          cert_file: `${pki}/admin.crt`,
          key_file: `${pki}/admin.key`,
        },
      }],
      relabel_configs: [
        {
          source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"],
          regex: release,
          action: "keep",
        },
        {
          source_labels: ["__meta_kubernetes_pod_container_port_name"],
          regex: "metrics|http",
          action: "keep",
        },
        {
          source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
          target_label: "component",
        },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      ],
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
    stderr: "piped",
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
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.stderr.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
