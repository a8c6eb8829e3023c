/**
 * An OpenTelemetry Collector in the release (otel.collector.enabled): OTLP gRPC 4317 and HTTP
 * 4318 in, a log of what arrives, and forwarding to otel.collector.upstreamEndpoint when set.
 */
import { ifElse, lit, v } from "../expr.ts";
import type * as k from "../k8s_types.ts";
import { collectorOn } from "../endpoints.ts";
import { n, objectMeta, selector } from "../names.ts";
import { CONTAINER_SECURITY, imageOf, podTemplate, resources, spread } from "../pods.ts";
import type { Add } from "../render.ts";
import { clusterService, disruptionBudget, serviceAccount } from "../workloads.ts";
import { ref } from "../../values.ts";

/** The collector-contrib image runs as this uid. */
const OTEL_UID = 10001;
const component = "otel-collector";

/**
 * URLs may carry secrets a client put there (an old `?token=` link, say): a span or log keeps the
 * path, never the query or the full URL. Deno records both on every HTTP span.
 */
const URL_ATTRIBUTES = ["url.query", "url.full", "http.url", "http.target"];

function collectorConfig(upstream: boolean): string {
  const exporters = upstream ? ["debug", "otlphttp"] : ["debug"];
  const pipeline = { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters };
  const redacted = { ...pipeline, processors: ["memory_limiter", "attributes/urls", "batch"] };
  return JSON.stringify(
    {
      extensions: { health_check: { endpoint: "0.0.0.0:13133" } },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: "0.0.0.0:4317" },
            http: { endpoint: "0.0.0.0:4318" },
          },
        },
      },
      processors: {
        memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 },
        "attributes/urls": {
          actions: URL_ATTRIBUTES.map((key) => ({ key, action: "delete" })),
        },
        batch: {},
      },
      exporters: {
        debug: { verbosity: "basic" },
        ...(upstream ? { otlphttp: { endpoint: "${env:OTLP_UPSTREAM_ENDPOINT}" } } : {}),
      },
      service: {
        extensions: ["health_check"],
        pipelines: { traces: redacted, metrics: pipeline, logs: redacted },
      },
    },
    null,
    2,
  ) + "\n";
}

export function collector(add: Add): void {
  const upstream = ref("otel.collector.upstreamEndpoint");
  add(
    "otel-collector-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta(component),
      data: {
        "config.json": v(ifElse(upstream, lit(collectorConfig(true)), lit(collectorConfig(false)))),
      },
    } satisfies k.IConfigMap,
    collectorOn,
  );

  serviceAccount(add, component, collectorOn);

  const health = { httpGet: { path: "/", port: 13133 } };
  add(
    "otel-collector-deployment",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: objectMeta(component),
      spec: {
        replicas: v(ref("otel.collector.replicas")),
        selector: { matchLabels: selector(component) },
        template: podTemplate(component, OTEL_UID, {
          containers: [{
            name: "otel-collector",
            image: imageOf("otel.collector.image"),
            imagePullPolicy: "IfNotPresent",
            args: ["--config=/etc/otelcol/config.json"],
            env: [{ name: "OTLP_UPSTREAM_ENDPOINT", value: v(upstream) }],
            ports: [
              { name: "otlp-grpc", containerPort: 4317, protocol: "TCP" },
              { name: "otlp-http", containerPort: 4318, protocol: "TCP" },
              { name: "metrics", containerPort: 8888, protocol: "TCP" },
              { name: "health", containerPort: 13133, protocol: "TCP" },
            ],
            livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
            readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 2 },
            resources: resources(ref("otel.collector.resources")),
            securityContext: CONTAINER_SECURITY,
            volumeMounts: [{ name: "config", mountPath: "/etc/otelcol", readOnly: true }],
          }],
          topologySpreadConstraints: spread(component),
          volumes: [{ name: "config", configMap: { name: n(component) } }],
        }),
      },
    } satisfies k.IDeployment,
    collectorOn,
  );

  clusterService(add, component, [
    { name: "otlp-grpc", port: 4317, appProtocol: "grpc" },
    { name: "otlp-http", port: 4318 },
  ], collectorOn);
  disruptionBudget(add, component, collectorOn);
}
