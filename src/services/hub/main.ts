/**
 * hub: the kitchen's side. Serves the KDS and dashboard pages, their
 * WebSockets (every replica follows the Redis event stream and fans it out)
 * and the REST API; status changes are produced to Kafka for the consumer.
 * Its port opens first, answering /healthz and /readyz ("starting") and 503
 * to everything else until the app is built; liveness follows the stream reader.
 */
import { newEventId } from "../../adapters/ids/order_ids.ts";
import { createKafka } from "../../adapters/kafka/client.ts";
import { createIdempotentProducer, KafkaOrderLog } from "../../adapters/kafka/kafka_order_log.ts";
import { RenewableProducer } from "../../adapters/kafka/renewable_producer.ts";
import { listenForChanges } from "../../adapters/postgres/change_listener.ts";
import {
  KITCHEN_CHANGED_CHANNEL,
  loadKitchens,
  saveKitchen,
} from "../../adapters/postgres/kitchen_repository.ts";
import { listMenu, setAvailability, setPrice } from "../../adapters/postgres/menu_repository.ts";
import { OrderStore } from "../../adapters/postgres/order_store.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { EventStream, type StreamEntry } from "../../adapters/redis/event_stream.ts";
import { LiveOrders } from "../../adapters/redis/live_orders.ts";
import { RedisOrderSnapshots } from "../../adapters/redis/order_snapshots.ts";
import { requestStatusChange } from "../../app/request_status_change.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { inOrderLinkedSpan } from "../../observability/linked_span.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { observeSlotFill } from "../../observability/slot_fill_gauge.ts";
import { observeWebSockets } from "../../observability/websocket_gauge.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { healthResponse, logHealthChanges } from "../support/health_server.ts";
import { RefreshingValue } from "../support/refreshing_value.ts";
import { Startup } from "../support/startup.ts";
import { Hono } from "hono";
import type { HubEnv } from "./routes/hub_env.ts";
import { createHubApp } from "./app.ts";
import { serveHub } from "./http_server.ts";
import { joinOrders } from "./stream_orders.ts";
import { MAX_CLIENT_MESSAGE_HARD, SUBPROTOCOL } from "./ws_endpoint.ts";
import { orderSnapshotKey } from "../../adapters/redis/keys.ts";
import {
  filesKitchenWriter,
  kubernetesKitchenWriter,
  postgresKitchenWriter,
  type SaveKitchen,
} from "./kitchen_writer.ts";
import { readHubConfig } from "./config.ts";
import { Fanout } from "./fanout.ts";
import { remainingSlotFills } from "./slot_fill.ts";
import { buildSnapshot } from "./snapshots.ts";
import { daySlots, slotDetails } from "./slot_view.ts";
import type { ClientSession } from "./client_session.ts";

const config = readHubConfig();
const logger = createLogger({ service: "hub" }, parseLevel(config.logLevel));
const now = () => new Date();
const watchdog = new ProgressWatchdog({ now });
const startup = new Startup(logger);

const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-hub",
  max: DATABASE_CONNECTIONS.hub.pool,
  onIdleError: (error) => logger.warn("idle PostgreSQL connection failed", { error }),
});
const redis = createRedis(config.redis, "ovenline-hub");
const follower = createRedis(config.redis, "ovenline-hub-stream"); // XREAD BLOCK holds its connection
for (const r of [redis, follower]) r.on("error", () => {});

/** The app, once start-up has built it. */
const built: { app?: ReturnType<typeof createHubApp> } = {};
const health = {
  watchdog,
  startup,
  detailed: false,
  logger,
  dependencies: async () => {
    await redis.ping();
    await pool.query("SELECT 1");
  },
};
// The port opens now: probes are answered at once (tersely: the port is public; reasons go to
// the log), everything else gets 503 until the app is built below.
const gate = new Hono<HubEnv>();
gate.all(
  "*",
  (c) =>
    healthResponse(c.req.path, health) ??
      built.app?.fetch(c.req.raw, c.env) ??
      c.text("starting\n", 503, { "retry-after": "1" }),
);
const server = serveHub(gate, {
  hostname: config.host,
  port: config.port,
  maxMessageBytes: MAX_CLIENT_MESSAGE_HARD,
  subprotocols: [SUBPROTOCOL],
  heartbeatMs: 15_000,
  onListen: (port) => logger.info("hub listening", { port, topic: config.ordersTopic }),
});
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;
const stopHealthLog = logHealthChanges(watchdog, logger);

await Promise.all([
  connectRedis(redis, undefined, startup.doing("connecting to Redis")),
  connectRedis(follower, undefined, startup.doing("connecting to Redis")),
]);

const kitchens = new RefreshingValue(
  "kitchens",
  async () => new Map((await loadKitchens(pool)).map((k): [string, KitchenConfig] => [k.id, k])),
  config.configRefreshMs,
  logger,
);
await kitchens.start(undefined, startup.doing("loading kitchens"));
const kitchenChanges = listenForChanges(
  config.databaseUrl,
  [KITCHEN_CHANGED_CHANNEL],
  () => void kitchens.refresh(),
  (error) => logger.warn("kitchen change listener failed; reconnecting", { error }),
);
const kitchen = (id: string) => kitchens.current().get(id);
const reloadKitchens = () => kitchens.refresh();
let saveKitchenConfig: SaveKitchen;
if (config.kitchenSource === "kubernetes" && config.kitchenResources) {
  const { kube, namespace, applyWaitMs } = config.kitchenResources;
  // Loaded only in this mode: the Kubernetes client is large, and most hubs never need it.
  const { KitchenApi } = await import("../../adapters/kubernetes/kitchen_api.ts");
  const { loadKubeConfig } = await import("../../adapters/kubernetes/kube_config.ts");
  saveKitchenConfig = kubernetesKitchenWriter(
    new KitchenApi(loadKubeConfig(kube), namespace),
    reloadKitchens,
    { waitMs: applyWaitMs },
    logger,
  );
} else if (config.kitchenSource === "files") {
  saveKitchenConfig = filesKitchenWriter();
} else {
  saveKitchenConfig = postgresKitchenWriter(
    async (cfg) => (await saveKitchen(pool, cfg)).config,
    reloadKitchens,
  );
}

const kafka = createKafka(config.kafka, logger);
const producer = new RenewableProducer(
  () => createIdempotentProducer(kafka, config.kafkaSendTimeoutMs),
  logger,
);
await startup.step("connecting to Kafka", () => producer.connect());
const log = new KafkaOrderLog(producer, {
  topic: config.ordersTopic,
  sendTimeoutMs: config.kafkaSendTimeoutMs,
  clientId: config.kafka.clientId,
  // kafkajs' own timeouts (10 s a request, 3 retries, a connection to open) settle a request
  // within about a minute, however the broker behaves: one in flight for longer hangs.
  heartbeat: watchdog.loop("Kafka producer", {
    stallAfterMs: Math.max(config.stallAfterMs, 90_000),
  }),
});

const stream = new EventStream(redis);
const liveOrders = new LiveOrders(redis);
const record = new OrderStore(pool);
const snapshots = new RedisOrderSnapshots(redis);
const getOrder = async (id: string) => await snapshots.find(id) ?? await record.get(id);

const prepare = async (entries: readonly StreamEntry[]): Promise<StreamEntry[]> =>
  (await joinOrders(entries, (ids) => redis.mget(...ids.map(orderSnapshotKey)))).map((entry) =>
    entry.type === "slots.updated" && entry.slot
      ? {
        ...entry,
        slot: JSON.stringify(slotDetails(JSON.parse(entry.slot), kitchen(entry.kitchenId))),
      }
      : entry
  );
const snapshotDeps = { stream, orders: liveOrders, kitchen, now };
const resnapshot = (sessions: readonly ClientSession[]) => {
  for (const session of sessions) {
    session.holdLiveEvents();
    buildSnapshot(snapshotDeps, session.filter).then(
      (snapshot) => {
        session.send(snapshot.text);
        session.goLive(snapshot.eventId);
      },
      () => session.close(1011, "could not reload the current state"),
    );
  }
};
const fanout = new Fanout(
  prepare,
  resnapshot,
  config.maxDeliverySpans,
  (eventIds, error) =>
    logger.error("events could not be delivered; every client gets a fresh snapshot", {
      error,
      eventIds,
    }),
);
const stopFollowing = new AbortController();
const streamReader = watchdog.loop("event-stream reader", {
  stallAfterMs: config.stallAfterMs,
  ticks: true,
});
const following = new EventStream(follower).follow(
  "$",
  (entries) => fanout.publish(entries),
  stopFollowing.signal,
  (error) => {
    logger.warn("reading the event stream failed; retrying", { error });
    streamReader.waiting(`reading the event stream failed: ${(error as Error).message}`);
  },
  () => streamReader.progressed(),
);

// Computed only when /metrics is scraped.
observeWebSockets(() => fanout.sessions);
observeSlotFill(
  () => remainingSlotFills(kitchens.current().values(), now(), (ids) => liveOrders.slotLoads(ids)),
  (error) => logger.debug("reading slot loads for metrics failed", { error }),
);

const kitchenIdOf = (requested: string | undefined) => requested || config.defaultKitchenId;
const app = createHubApp({
  orders: {
    active: (k) => liveOrders.active(k),
    scheduled: (k) => liveOrders.scheduled(k),
    get: getOrder,
    changeStatus: (orderId, to, actor, reason) =>
      inOrderLinkedSpan(
        "ovenline.order.status_change",
        orderId,
        (id) => snapshots.traceparent(id),
        { "ovenline.order.status": to, "ovenline.actor": actor },
        () =>
          requestStatusChange({ clock: { now }, orders: { get: getOrder }, log, newEventId }, {
            orderId,
            to,
            actor,
            reason,
          }),
      ),
    kitchenId: kitchenIdOf,
    logger,
  },
  kitchens: {
    list: () => [...kitchens.current().values()],
    get: kitchen,
    save: saveKitchenConfig,
    slots: (k, date) => daySlots(k, date, now(), (ids) => liveOrders.slotLoads(ids)),
    kitchenId: kitchenIdOf,
  },
  menu: {
    list: () => listMenu(pool),
    setPrice: (kind, name, price) => setPrice(pool, kind, name, price),
    setAvailable: (kind, name, available) => setAvailability(pool, kind, name, available),
  },
  ws: {
    ...snapshotDeps,
    fanout,
    prepare,
    authority: config.auth,
    defaultKitchenId: config.defaultKitchenId,
    maxBufferedBytes: config.maxBufferedBytes,
    maxReplay: config.maxReplay,
    logger,
  },
  kitchen,
  maxBodyBytes: config.maxBodyBytes,
  authJwtAuthority: config.auth,
  maxSocketsPerToken: config.maxSocketsPerToken,
  apiRate: config.apiRate,
  corsOrigins: config.corsOrigins,
  now,
  logger,
});

built.app = app;
startup.finish();
logger.info("hub serving");

const shutdown = async () => {
  for (const session of fanout.sessions) session.close(1012, "hub restarting");
  stopFollowing.abort();
  stopHealthLog();
  await server.close();
  await metrics?.shutdown();
  await following;
  kitchens.stop();
  await kitchenChanges.close();
  await producer.disconnect().catch(() => {});
  redis.disconnect();
  follower.disconnect();
  await pool.end();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
