/**
 * promoter: shows scheduled orders on the KDS when their visible_at comes
 * (slot start − lead time), at most a tick late, from any number of replicas.
 */
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { DueOrders } from "../../adapters/redis/due_orders.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { recordPromotionDelay } from "../../observability/pipeline_metrics.ts";
import { serveHealth } from "../shared/health_server.ts";
import { readPromoterConfig } from "./config.ts";
import { runPromotionLoop } from "./promotion_loop.ts";

const config = readPromoterConfig();
const logger = createLogger({ service: "promoter" }, parseLevel(config.logLevel));
const redis = createRedis(config.redis, "ovenline-promoter");
redis.on("error", () => {});
await connectRedis(redis);

const stop = new AbortController();
const loop = runPromotionLoop(new DueOrders(redis), { now: () => new Date() }, logger, {
  tickMs: config.tickMs,
  batchSize: config.batchSize,
  onPromoted: (promoted, at) => {
    for (const p of promoted) recordPromotionDelay((at.getTime() - p.visibleAt.getTime()) / 1000);
  },
}, stop.signal);
const health = serveHealth(config.healthPort, async () => {
  await redis.ping();
});
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;
logger.info("promoter running", { tickMs: config.tickMs });

const shutdown = async () => {
  stop.abort();
  await loop;
  await health.shutdown();
  await metrics?.shutdown();
  redis.disconnect();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
