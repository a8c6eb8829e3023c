/**
 * kitchen-operator: reconciles Kitchen resources (kitchens.ovenline.dev) into the live kitchen
 * configuration. Every replica campaigns for one coordination.k8s.io Lease; only the holder runs
 * the controller, the others wait to take over. See docs/kitchen-operator.md. The health port
 * opens first; liveness follows the informer's lists and the reconciles.
 */
import * as k8s from "@kubernetes/client-node";
import { KitchenApi } from "../../adapters/kubernetes/kitchen_api.ts";
import { loadKubeConfig } from "../../adapters/kubernetes/kube_config.ts";
import { LeaderLease } from "../../adapters/kubernetes/leader_lease.ts";
import { getKitchenRecord, saveKitchen } from "../../adapters/postgres/kitchen_repository.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { LiveOrders } from "../../adapters/redis/live_orders.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveHealth } from "../support/health_server.ts";
import { Startup } from "../support/startup.ts";
import { readKitchenOperatorConfig } from "./config.ts";
import { KitchenController } from "./kitchen_controller.ts";

const config = readKitchenOperatorConfig();
const logger = createLogger(
  { service: "kitchen-operator", identity: config.lease.identity },
  parseLevel(config.logLevel),
);

const now = () => new Date();
const watchdog = new ProgressWatchdog({ now });
const startup = new Startup(logger);

const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-kitchen-operator",
  max: DATABASE_CONNECTIONS.kitchen_operator.pool,
  onIdleError: (error) => logger.warn("idle PostgreSQL connection failed", { error }),
});
const redis = createRedis(config.redis, "ovenline-kitchen-operator");
redis.on("error", () => {});
/** The Lease, once start-up has made it. */
const leader: { lease?: LeaderLease } = {};
const health = serveHealth(config.healthPort, {
  watchdog,
  startup,
  dependencies: async () => {
    await pool.query("SELECT 1");
    await redis.ping();
    if (!leader.lease?.apiReachable) throw new Error("the Kubernetes API did not answer");
  },
}, logger);
await connectRedis(redis, undefined, startup.doing("connecting to Redis"));
const liveOrders = new LiveOrders(redis);

const kc = loadKubeConfig(config.kube);
const controller = new KitchenController({
  kc,
  api: new KitchenApi(kc, config.namespace),
  store: {
    get: (id) => getKitchenRecord(pool, id),
    save: (cfg, opts) => saveKitchen(pool, cfg, opts),
  },
  slotLoads: (ids) => liveOrders.slotLoads(ids),
  logger,
  now,
  resyncMs: config.resyncMs,
  heartbeat: watchdog.loop("Kitchen controller", { stallAfterMs: config.stallAfterMs }),
});
const lease = new LeaderLease(kc.makeApiClient(k8s.CoordinationV1Api), config.lease, {
  onStartedLeading: () => controller.start(),
  onStoppedLeading: () => controller.stop(),
}, logger);

const stop = new AbortController();
leader.lease = lease;
const campaign = lease.run(stop.signal, { release: true });
startup.finish();
logger.info("kitchen operator running", {
  namespace: config.namespace,
  lease: config.lease.name,
  healthPort: config.healthPort,
});

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  stop.abort();
  await campaign; // stops the controller, then hands the Lease over
  await health.shutdown();
  redis.disconnect();
  await pool.end();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
