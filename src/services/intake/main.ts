/**
 * intake: the customer-facing gRPC API (:50051). Validates, prices, books a
 * slot in Redis and answers only once the order is durable in Kafka.
 *
 * Its health is grpc.health.v1 on the same port, which opens once the
 * dependencies are connected (Kubernetes' gRPC probe, and with TLS a TCP
 * probe, would otherwise send it calls it cannot serve yet). It turns
 * NOT_SERVING while a Kafka produce request hangs (STALL_AFTER_MS).
 */
import { startGrpcServer } from "../../adapters/grpc/server.ts";
import { serverCredentials } from "../../adapters/grpc/tls.ts";
import { withTolerantDecoding } from "../../adapters/grpc/tolerant_decoding.ts";
import { orderServiceHandlers } from "../../adapters/grpc/order_service.ts";
import { fingerprintOf, newEventId, orderIdsKeyedWith } from "../../adapters/ids/order_ids.ts";
import {
  type CustomerTokenVerifier,
  verifierFromFile,
  verifierFromUrl,
} from "../../adapters/auth/customer_tokens.ts";
import { CallGate } from "../../adapters/grpc/call_gate.ts";
import { CallerIdentity } from "../../adapters/grpc/caller_identity.ts";
import { RedisLookupMisses } from "../../adapters/redis/lookup_misses.ts";
import { RateBuckets } from "../../domain/rate_buckets.ts";
import { createKafka } from "../../adapters/kafka/client.ts";
import { createIdempotentProducer, KafkaOrderLog } from "../../adapters/kafka/kafka_order_log.ts";
import { RenewableProducer } from "../../adapters/kafka/renewable_producer.ts";
import { listenForChanges } from "../../adapters/postgres/change_listener.ts";
import {
  KITCHEN_CHANGED_CHANNEL,
  loadKitchens,
} from "../../adapters/postgres/kitchen_repository.ts";
import { loadMenu, MENU_CHANGED_CHANNEL } from "../../adapters/postgres/menu_repository.ts";
import { OrderStore } from "../../adapters/postgres/order_store.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { EventStream } from "../../adapters/redis/event_stream.ts";
import { RedisOrderSnapshots } from "../../adapters/redis/order_snapshots.ts";
import { RedisSlotReservations } from "../../adapters/redis/slot_reservations.ts";
import { requestStatusChange } from "../../app/request_status_change.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { OrderServiceService } from "../../gen/ovenline/v1/order_service.ts";
import { observeConsumerLag } from "../../observability/consumer_lag_gauge.ts";
import { startCreateOrderMetrics } from "../../observability/create_order_metrics.ts";
import { observeCallsInFlight } from "../../observability/calls_in_flight_gauge.ts";
import { inOrderLinkedSpan } from "../../observability/linked_span.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { logHealthChanges } from "../support/health_server.ts";
import { RefreshingValue } from "../support/refreshing_value.ts";
import { readIntakeConfig } from "./config.ts";
import { OrderWatchers } from "./order_watchers.ts";
import { measuredPlaceOrder } from "./measured_place_order.ts";
import { AdaptiveInFlightLimit } from "./admission.ts";
import { placeOrder } from "./place_order.ts";
import { SlotPlanCache } from "./slot_plan_cache.ts";
import { OrderAccess } from "./order_access.ts";

const config = readIntakeConfig();
const logger = createLogger({ service: "intake" }, parseLevel(config.logLevel));
const clock = { now: () => new Date() };
const watchdog = new ProgressWatchdog(clock);

const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-intake",
  max: DATABASE_CONNECTIONS.intake.pool,
  onIdleError: (error) => logger.warn("idle PostgreSQL connection failed", { error }),
});
const redis = createRedis({ ...config.redis, autoPipelining: true }, "ovenline-intake");
const streamRedis = createRedis(config.redis, "ovenline-intake-watch"); // XREAD BLOCK holds it
// Both reconnect on their own; calls made meanwhile answer UNAVAILABLE.
for (const r of [redis, streamRedis]) r.on("error", () => {});
await Promise.all([connectRedis(redis), connectRedis(streamRedis)]);

const menu = new RefreshingValue("menu", () => loadMenu(pool), config.configRefreshMs, logger);
const kitchens = new RefreshingValue(
  "kitchens",
  async () => new Map((await loadKitchens(pool)).map((k): [string, KitchenConfig] => [k.id, k])),
  config.configRefreshMs,
  logger,
);
await Promise.all([menu.start(), kitchens.start()]);
// Managers' changes (prices, stop-list, slot settings) apply within a moment, without a restart.
const changes = listenForChanges(
  config.databaseUrl,
  [MENU_CHANGED_CHANNEL, KITCHEN_CHANGED_CHANNEL],
  (channel) => void (channel === MENU_CHANGED_CHANNEL ? menu.refresh() : kitchens.refresh()),
  (error) => logger.warn("change listener failed; reconnecting", { error }),
);

// No single request may outlive the answer's deadline: a send still in flight after the
// caller heard UNAVAILABLE could land later (a retry with the same key then finds it).
const kafka = createKafka({ ...config.kafka, requestTimeoutMs: config.kafkaSendTimeoutMs }, logger);
const producer = new RenewableProducer(
  () => createIdempotentProducer(kafka, config.kafkaSendTimeoutMs),
  logger,
);
await producer.connect();
const log = new KafkaOrderLog(producer, {
  topic: config.ordersTopic,
  sendTimeoutMs: config.kafkaSendTimeoutMs,
  clientId: config.kafka.clientId,
  heartbeat: watchdog.loop("Kafka producer", { stallAfterMs: config.stallAfterMs }),
});

const snapshots = new RedisOrderSnapshots(redis);
const slotPlans = new SlotPlanCache();
const record = new OrderStore(pool);
const orders = {
  // Redis first (the live snapshot, or an order accepted a moment ago and not applied yet); the
  // record for orders no longer live in Redis.
  get: async (id: string) => await snapshots.find(id) ?? await record.get(id),
};
// Who the callers are (docs/security.md): customer tokens, trusted backends-for-frontend, or
// (trusted networks only) anonymous callers.
let stopKeyRefresh = () => {};
let tokens: CustomerTokenVerifier | undefined;
const jwt = config.customerAuth.jwt;
if (jwt?.jwksFile) {
  const loaded = await verifierFromFile(
    jwt.jwksFile,
    jwt,
    clock,
    config.configRefreshMs,
    (error) => logger.warn("customer key set: re-reading the file failed", { error }),
  );
  tokens = loaded.verifier;
  stopKeyRefresh = loaded.stop;
} else if (jwt?.jwksUrl) {
  tokens = await verifierFromUrl(
    jwt.jwksUrl,
    jwt,
    clock,
    (error) => logger.warn("customer key set: fetching it failed", { error }),
  );
}
if (config.customerAuth.anonymous) {
  logger.warn(
    "ALLOW_ANONYMOUS_CUSTOMERS is on: callers without a token are believed about their " +
      "customer_id (for trusted networks only)",
  );
}
const { limits } = config;
const gate = new CallGate(
  new CallerIdentity({ ...config.customerAuth, tokens }),
  clock,
  {
    perConnection: new RateBuckets(
      limits.callsPerSecondPerConnection,
      limits.callsPerSecondPerConnection * 2,
    ),
    perPeer: new RateBuckets(limits.callsPerSecondPerPeer, limits.callsPerSecondPerPeer * 2),
  },
);
const access = new OrderAccess(orders, new RedisLookupMisses(redis, limits.lookupMisses));

const placeDeps = {
  clock,
  menu,
  kitchens: {
    get: (id: string) => kitchens.current().get(id),
    ids: () => new Set(kitchens.current().keys()),
    defaultKitchenId: config.defaultKitchenId,
  },
  reservations: new RedisSlotReservations(redis),
  rateLimit: config.rateLimit,
  log,
  // A retry finds its order applied, or accepted and on its way (so it is not rate-limited again).
  orders: { get: (id: string) => snapshots.find(id) },
  orderIdFor: orderIdsKeyedWith(config.orderIdSecret),
  fingerprint: fingerprintOf,
  peerRateLimit: limits.peerOrders,
  customerLimits: {
    maxOpenOrders: limits.maxOpenOrders,
    slotSharePercent: limits.slotSharePercent,
  },
  newEventId,
  maxRequestAheadMs: config.maxRequestAheadMs,
  planSlots: (kitchen: KitchenConfig, now: Date, requestedTime?: Date) =>
    slotPlans.plan(kitchen, now, requestedTime),
};
const statusDeps = { clock, orders, log, newEventId };
startCreateOrderMetrics();
const callsInFlight = new AdaptiveInFlightLimit({
  maxInFlight: config.maxInFlight,
  minInFlight: Math.max(1, Math.floor(config.maxInFlight / 20)),
  targetMs: config.shedTargetMs,
  intervalMs: 100,
}, () => performance.now());
observeCallsInFlight(() => callsInFlight.inFlight);
const watchers = new OrderWatchers(new EventStream(streamRedis), orders, logger, config.watch);

const server = await startGrpcServer(
  {
    host: config.grpcHost,
    port: config.grpcPort,
    maxReceiveBytes: config.maxRequestBytes,
    credentials: serverCredentials(config.tls),
    connections: config.http2,
  },
  [{
    name: "ovenline.v1.OrderService",
    definition: withTolerantDecoding(OrderServiceService),
    implementation: orderServiceHandlers(
      {
        placeOrder: measuredPlaceOrder(
          callsInFlight.guard((request, caller) => placeOrder(placeDeps, request, caller)),
          logger,
        ),
        getOrder: (id, caller) => access.order(id, caller),
        cancelOrder: (orderId, claimed, reason, caller) => {
          const customerId = access.customerFor(caller, claimed, "customer_id");
          return access.guarded(caller, customerId, () =>
            inOrderLinkedSpan(
              "ovenline.order.status_change",
              orderId,
              (id) => snapshots.traceparent(id),
              { "ovenline.order.status": "cancelled", "ovenline.actor": "customer" },
              () =>
                requestStatusChange(statusDeps, {
                  orderId,
                  to: "cancelled",
                  actor: "customer",
                  reason,
                  customerId,
                }),
            ));
        },
        watchOrder: (orderId, onOrder, signal, caller) =>
          watchers.watch(
            orderId,
            onOrder,
            signal,
            caller.connection,
            () => access.order(orderId, caller),
          ),
      },
      logger,
      gate,
    ),
  }],
);
// The group's lag, reported here too: it stays visible while no consumer runs.
const lagGauge = observeConsumerLag(
  kafka,
  config.ordersTopic,
  config.consumerGroup,
  (error) => logger.debug("reading consumer lag failed", { error }),
);
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;
server.setServing(true);
logger.info("intake serving", { port: server.port, topic: config.ordersTopic });
// The gRPC probes (liveness and readiness alike) follow the watchdog.
const stopHealthLog = logHealthChanges(watchdog, logger);
let serving = true;
const followHealth = setInterval(() => {
  const live = watchdog.verdict().live;
  if (live !== serving) server.setServing(serving = live);
}, 1_000);

const shutdown = async () => {
  clearInterval(followHealth);
  stopHealthLog();
  await server.shutdown(config.shutdownGraceMs);
  stopKeyRefresh();
  await metrics?.shutdown();
  await lagGauge.close();
  menu.stop();
  kitchens.stop();
  await changes.close();
  streamRedis.disconnect();
  await producer.disconnect().catch(() => {});
  redis.disconnect();
  await pool.end();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
