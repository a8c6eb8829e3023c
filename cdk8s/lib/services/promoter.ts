/** promoter: shows due orders on the KDS (Redis only; the Kitchen operator is a service of its own). */
import { cat, lit, v } from "../expr.ts";
import type { Add } from "../render.ts";
import { appService } from "./app_service.ts";
import { httpProbes } from "./probes.ts";
import { ref } from "../../values.ts";

export function promoter(add: Add): void {
  const healthPort = ref("promoter.healthPort");
  const metricsPort = ref("promoter.metricsPort");
  appService(add, {
    component: "promoter",
    autoscaled: lit(false),
    uses: ["redis"],
    settings: [],
    env: [
      { name: "PROMOTER_HEALTH_PORT", value: v(cat(healthPort)) },
      { name: "METRICS_PORT", value: v(cat(metricsPort)) },
    ],
    ports: [{ name: "health", port: healthPort }, { name: "metrics", port: metricsPort }],
    probes: httpProbes(healthPort),
  });
}
