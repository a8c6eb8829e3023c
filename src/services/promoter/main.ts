/**
 * promoter: shows scheduled orders on the KDS when their visible_at comes
 * (slot start − lead time), at most a tick late, from any number of replicas.
 * The health port opens first; liveness follows the promotion loop.
 */
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { DueOrders } from "../../adapters/redis/due_orders.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { recordPromotionDelay } from "../../observability/pipeline_metrics.ts";
import { serveHealth } from "../support/health_server.ts";
import { Startup } from "../support/startup.ts";
import { readPromoterConfig } from "./config.ts";
import { runPromotionLoop } from "./promotion_loop.ts";

const config = readPromoterConfig();
const logger = createLogger({ service: "promoter" }, parseLevel(config.logLevel));
const clock = { now: () => new Date() };
const watchdog = new ProgressWatchdog(clock);
const startup = new Startup(logger);
const redis = createRedis(config.redis, "ovenline-promoter");
redis.on("error", () => {});
const health = serveHealth(config.healthPort, {
  watchdog,
  startup,
  dependencies: async () => {
    await redis.ping();
  },
}, logger);
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;
await connectRedis(redis, undefined, startup.doing("connecting to Redis"));

const stop = new AbortController();
const loop = runPromotionLoop(new DueOrders(redis), clock, logger, {
  tickMs: config.tickMs,
  batchSize: config.batchSize,
  onPromoted: (promoted, at) => {
    for (const p of promoted) recordPromotionDelay((at.getTime() - p.visibleAt.getTime()) / 1000);
  },
  heartbeat: watchdog.loop("promotion loop", { stallAfterMs: config.stallAfterMs, ticks: true }),
}, stop.signal);
startup.finish();
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
