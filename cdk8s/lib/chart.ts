/**
 * Every Kubernetes object of Ovenline, as one cdk8s Chart. Values are read through placeholders
 * (`v(ref("intake.replicas"))`), whole objects are gated (`add(file, obj, gate)`), so the same
 * tree renders to Helm templates and to plain manifests (see render.ts). Each part of the chart is
 * a module of its own; this one puts them together, in a fixed order (which is also the order of
 * the checks in templates/checks.yaml).
 */
import { ApiObject, App, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { housekeeper } from "./housekeeper.ts";
import { kafka } from "./infra/kafka.ts";
import { postgres } from "./infra/postgres.ts";
import { redis } from "./infra/redis.ts";
import { type ChartFiles, loadTest } from "./load_test.ts";
import { migrations } from "./migrations.ts";
import { CHART_NAME } from "./names.ts";
import { networkPolicies } from "./network_policies.ts";
import type { Add, Check, RenderedObject } from "./render.ts";
import { secrets } from "./secrets.ts";
import { consumer } from "./services/consumer.ts";
import { hub } from "./services/hub.ts";
import { intake } from "./services/intake.ts";
import { kitchenOperator } from "./services/kitchen_operator.ts";
import { promoter } from "./services/promoter.ts";
import { collector } from "./telemetry/collector.ts";
import { monitoring } from "./telemetry/monitoring.ts";
import { traffic } from "./traffic.ts";

export type { ChartFiles };

export interface OvenlineChart {
  readonly app: App;
  readonly objects: RenderedObject[];
  readonly checks: Check[];
}

export function buildChart(files: ChartFiles): OvenlineChart {
  const app = new App();
  const chart = new Chart(app, CHART_NAME, { disableResourceNameHashes: true });
  const added: {
    file: string;
    gate?: RenderedObject["gate"];
    api: ApiObject;
    wholeMaps: object;
  }[] = [];
  const checks: Check[] = [];

  const add: Add = (file, obj, gate) => {
    // cdk8s copies metadata.labels and .annotations entry by entry: a whole-map placeholder
    // (labels or annotations taken from values) goes around it and back in after toJson.
    const meta = (obj as { metadata?: Record<string, unknown> }).metadata ?? {};
    const wholeMaps = Object.fromEntries(
      ["labels", "annotations"].filter((key) => typeof meta[key] === "string").map((
        key,
      ) => [key, meta[key]]),
    );
    const props = { ...obj, metadata: { ...meta } } as Record<string, unknown> & {
      metadata: Record<string, unknown>;
    };
    for (const key of Object.keys(wholeMaps)) delete props.metadata[key];
    const api = new ApiObject(chart as Construct, file, props as never);
    added.push({ file, gate, api, wholeMaps });
  };

  // infrastructure
  kafka(add, checks);
  postgres(add, checks);
  redis(add);
  // the chart's own Secrets (each service's ConfigMap comes with it)
  secrets(add);
  // the services, each with its autoscaling
  intake(add, checks);
  consumer(add, checks);
  promoter(add);
  hub(add, checks);
  kitchenOperator(add);
  // around them
  migrations(add);
  housekeeper(add);
  traffic(add);
  networkPolicies(add, checks);
  collector(add);
  monitoring(add);
  loadTest(add, checks, files);

  // cdk8s resolves and sanitises each object (sorted keys, no undefined).
  const objects = added.map(({ file, gate, api, wholeMaps }) => {
    const json = api.toJson() as Record<string, unknown> & { metadata: Record<string, unknown> };
    const metadata = { ...json.metadata, ...wholeMaps };
    json.metadata = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => a < b ? -1 : 1));
    return { file, json, gate };
  });
  return { app, objects, checks };
}
