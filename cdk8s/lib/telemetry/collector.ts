/**
 * An OpenTelemetry Collector in the release (otel.collector.enabled): OTLP gRPC 4317 and HTTP
 * 4318 in, and each signal to the backend that takes it: traces to otel.collector.tracesEndpoint
 * (Tempo, an APM), logs to logsEndpoint (Loki, ...), and the services' OTLP metrics (Deno's
 * runtime metrics; Ovenline's own are scraped from the services by Prometheus) to
 * metricsEndpoint. A signal without an endpoint is only logged (debug, basic).
 */
import { type Expr, ifElse, lit, v } from "../expr.ts";
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

const SIGNALS = ["traces", "metrics", "logs"] as const;
type Signal = typeof SIGNALS[number];

/** The endpoint value of each signal, and the variable the collector reads it from. */
const ENDPOINTS = {
  traces: { value: ref("otel.collector.tracesEndpoint"), env: "OTLP_TRACES_ENDPOINT" },
  metrics: { value: ref("otel.collector.metricsEndpoint"), env: "OTLP_METRICS_ENDPOINT" },
  logs: { value: ref("otel.collector.logsEndpoint"), env: "OTLP_LOGS_ENDPOINT" },
} as const satisfies Record<Signal, { value: Expr<string>; env: string }>;

/**
 * URLs may carry secrets a client put there (an old `?token=` link, say): a span or log keeps the
 * path, never the query or the full URL. Deno records both on every HTTP span.
 */
const URL_ATTRIBUTES = ["url.query", "url.full", "http.url", "http.target"];

/** The configuration with an otlphttp exporter for each signal in `forwarded`. */
function collectorConfig(forwarded: ReadonlySet<Signal>): string {
  const pipeline = (signal: Signal) => ({
    receivers: ["otlp"],
    processors: signal === "metrics"
      ? ["memory_limiter", "batch"]
      : ["memory_limiter", "attributes/urls", "batch"],
    exporters: forwarded.has(signal) ? [`otlphttp/${signal}`] : ["debug"],
  });
  const exporters: Record<string, unknown> = { debug: { verbosity: "basic" } };
  for (const signal of forwarded) {
    exporters[`otlphttp/${signal}`] = { endpoint: `\${env:${ENDPOINTS[signal].env}}` };
  }
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
      exporters,
      service: {
        // The collector's own metrics on all interfaces (recent versions default to localhost,
        // where Prometheus cannot scrape them).
        telemetry: {
          metrics: {
            readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } }],
          },
        },
        extensions: ["health_check"],
        pipelines: Object.fromEntries(SIGNALS.map((signal) => [signal, pipeline(signal)])),
      },
    },
    null,
    2,
  ) + "\n";
}

/** The configuration for the endpoints the values set (one of eight, chosen at render time). */
function configFor(signals: readonly Signal[] = SIGNALS, forwarded: Signal[] = []): Expr<string> {
  if (signals.length === 0) return lit(collectorConfig(new Set(forwarded)));
  const [first, ...rest] = signals;
  return ifElse(
    ENDPOINTS[first].value,
    configFor(rest, [...forwarded, first]),
    configFor(rest, forwarded),
  );
}

export function collector(add: Add): void {
  add(
    "otel-collector-configmap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta(component),
      data: {
        "config.json": v(configFor()),
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
            env: SIGNALS.map((signal) => ({
              name: ENDPOINTS[signal].env,
              value: v(ENDPOINTS[signal].value),
            })),
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
