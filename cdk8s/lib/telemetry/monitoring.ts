/**
 * Hooks for the cluster's Prometheus and Grafana: a PodMonitor of every metrics port, the alert
 * rules of deploy/observability/alerts.yaml and the dashboard of dashboard.json (each optional).
 */
import { parse as parseYaml } from "yaml";
import { and, cat, chartFile, fromYaml, v } from "../expr.ts";
import { pgCluster, pgOperator } from "../endpoints.ts";
import type * as k from "../k8s_types.ts";
import { labelsWith, n, ownPods } from "../names.ts";
import type { Add } from "../render.ts";
import { ref } from "../../values.ts";

export function monitoring(add: Add): void {
  add(
    "podmonitor",
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: n("metrics"), labels: labelsWith("metrics", ref("podMonitor.labels")) },
      spec: {
        selector: { matchLabels: ownPods() },
        // Every service's, and the collector's, port named "metrics".
        podMetricsEndpoints: [{
          port: "metrics",
          path: "/metrics",
          interval: v(ref("podMonitor.interval")),
        }],
      },
    } satisfies k.IPodMonitor,
    ref("podMonitor.enabled"),
  );

  // PostgreSQL's own metrics: CloudNativePG's exporter on each instance's "metrics" port.
  add(
    "postgres-podmonitor",
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: {
        name: v(cat(pgCluster, "-metrics")),
        labels: labelsWith("postgres", ref("podMonitor.labels")),
      },
      spec: {
        selector: {
          matchLabels: { "cnpg.io/cluster": v(pgCluster), "cnpg.io/podRole": "instance" },
        },
        podMetricsEndpoints: [{ port: "metrics", interval: v(ref("podMonitor.interval")) }],
      },
    } satisfies k.IPodMonitor,
    and(ref("podMonitor.enabled"), pgOperator),
  );

  add(
    "prometheusrule",
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: {
        name: n("alerts"),
        labels: labelsWith("alerts", ref("prometheusRule.labels")),
      },
      spec: v(fromYaml(chartFile("files/observability/alerts.yaml"), parseYaml)) as never,
    } satisfies k.IPrometheusRule,
    ref("prometheusRule.enabled"),
  );

  add(
    "grafana-dashboard-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: n("dashboard"),
        labels: labelsWith("dashboard", ref("grafanaDashboard.labels")),
      },
      data: { "ovenline.json": v(chartFile("files/observability/dashboard.json")) },
    } satisfies k.IConfigMap,
    ref("grafanaDashboard.enabled"),
  );
}
