/** hub: the KDS and ERP over WebSockets and REST, behind bearer tokens. */
import { cat, ifElse, lit, v } from "../expr.ts";
import { cpuAutoscaling } from "../autoscaling.ts";
import { jwtSigningKey } from "../endpoints.ts";
import type { Add, Check } from "../render.ts";
import { appService } from "./app_service.ts";
import { httpProbes } from "./probes.ts";
import { ref } from "../../values.ts";

export function hub(add: Add, checks: Check[]): void {
  const port = ref("hub.port");
  const operator = ref("kitchenOperator.enabled");
  appService(add, {
    component: "hub",
    autoscaled: ref("hub.autoscaling.enabled"),
    uses: ["kafka", "postgres", "redis"],
    settings: ["CONFIG_REFRESH_MS", "DEFAULT_KITCHEN_ID", "KAFKA_SEND_TIMEOUT_MS"],
    secrets: { AUTH_JWT_SECRET: jwtSigningKey },
    // With the Kitchen operator, PUT /kitchens/{id} edits the Kitchen resource (hub Role).
    automountToken: operator,
    env: [
      { name: "HUB_HOST", value: "0.0.0.0" },
      { name: "HUB_PORT", value: v(cat(port)) },
      { name: "METRICS_PORT", value: v(cat(ref("hub.metricsPort"))) },
      {
        name: "KITCHEN_CONFIG_SOURCE",
        value: v(ifElse(operator, lit("kubernetes"), lit("postgres"))),
      },
      { name: "KITCHEN_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      {
        name: "KITCHEN_APPLY_WAIT_MS",
        value: v(cat(ref("kitchenOperator.hubApplyWaitMs"))),
      },
    ],
    ports: [{ name: "http", port }, { name: "metrics", port: ref("hub.metricsPort") }],
    probes: httpProbes(port),
  });
  cpuAutoscaling(add, checks, "hub");
}
