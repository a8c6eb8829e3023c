/** consumer: applies pizza-orders to Redis and PostgreSQL; KEDA scales it on lag. */
import { cat, v } from "../expr.ts";
import { lagAutoscaling } from "../autoscaling.ts";
import type { Add, Check } from "../render.ts";
import { appService } from "./app_service.ts";
import { httpProbes } from "./probes.ts";
import { ref } from "../../values.ts";

export function consumer(add: Add, checks: Check[]): void {
  const healthPort = ref("consumer.healthPort");
  const metricsPort = ref("consumer.metricsPort");
  appService(add, {
    component: "consumer",
    autoscaled: ref("consumer.autoscaling.enabled"),
    uses: ["kafka", "postgres", "redis"],
    settings: ["CONFIG_REFRESH_MS", "KAFKA_DLQ_TOPIC", "KAFKA_GROUP_ID"],
    env: [
      { name: "HEALTH_PORT", value: v(cat(healthPort)) },
      { name: "METRICS_PORT", value: v(cat(metricsPort)) },
    ],
    ports: [{ name: "health", port: healthPort }, { name: "metrics", port: metricsPort }],
    probes: httpProbes(healthPort),
  });
  lagAutoscaling(add, checks);
}
