/**
 * consumer: reads pizza-orders (group order-service-stable-group), applies
 * each event to PostgreSQL then Redis, publishes the KDS events, and commits
 * offsets only after both writes.
 */
import { runBatchConsumer } from "../../adapters/kafka/batch_consumer.ts";
import { createKafka } from "../../adapters/kafka/client.ts";
import { DeadLetterQueue } from "../../adapters/kafka/dead_letters.ts";
import { groupReached, topicEndOffsets } from "../../adapters/kafka/group_progress.ts";
import { OrderStore } from "../../adapters/postgres/order_store.ts";
import { ensurePartitions } from "../../adapters/postgres/partitions.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { DEAD_LETTER_COUNT } from "../../adapters/redis/keys.ts";
import { HeldBookings } from "../../adapters/redis/held_bookings.ts";
import { OrderProjection } from "../../adapters/redis/order_projection.ts";
import { observeConsumerLag } from "../../observability/consumer_lag_gauge.ts";
import { observeHeldBookings } from "../../observability/held_bookings_gauge.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { recordDeadLetter, startDeadLetterCount } from "../../observability/pipeline_metrics.ts";
import { serveHealth } from "../shared/health_server.ts";
import { untilItSucceeds } from "../shared/until_it_succeeds.ts";
import { applyRecords } from "./apply_records.ts";
import { readConsumerConfig } from "./config.ts";
import { heldSweeper } from "./held_sweeper.ts";
import { liveStateGuard } from "./live_state.ts";

const config = readConsumerConfig();
const logger = createLogger({ service: "consumer" }, parseLevel(config.logLevel));
const clock = { now: () => new Date() };

const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-consumer",
  max: DATABASE_CONNECTIONS.consumer.pool,
  onIdleError: (error) => logger.warn("idle PostgreSQL connection failed", { error }),
});
const redis = createRedis(config.redis, "ovenline-consumer");
redis.on("error", () => {}); // reconnects on its own; failures surface on the calls that need Redis
await connectRedis(redis);
await ensurePartitions(pool, clock.now(), 3);

const kafka = createKafka(config.kafka, logger);
const dlqProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await dlqProducer.connect();
const deadLetters = new DeadLetterQueue(dlqProducer, config.deadLetterTopic);
const admin = kafka.admin();
await admin.connect();
const backlog = {
  end: () => topicEndOffsets(admin, config.ordersTopic),
  reached: (target: Record<string, string>) =>
    groupReached(admin, config.consumerGroup, config.ordersTopic, target),
};
const liveState = liveStateGuard(redis, pool, clock, logger, crypto.randomUUID(), backlog);
// Kafka (the backlog's offsets) or PostgreSQL may still be coming back, e.g. after a node restart.
await untilItSucceeds("checking the live state", async () => {
  await liveState.restored();
  await liveState.ready(); // at once when nothing was pending (a first start, a clean restart)
}, logger);

const deps = {
  clock,
  logger,
  store: new OrderStore(pool, {
    onRetry: (error: unknown, attempt: number) =>
      logger.warn("serialization conflict; retrying the transaction", { error, attempt }),
  }),
  projection: new OrderProjection(redis),
  deadLetters,
  ensureLiveState: liveState.restored,
  ensurePartitions: (at: Date) => ensurePartitions(pool, at, 1).then(() => {}),
  onDeadLetter: () => {
    recordDeadLetter(config.deadLetterTopic);
    void redis.incr(DEAD_LETTER_COUNT).catch(() => {});
  },
  messaging: { groupId: config.consumerGroup, clientId: config.kafka.clientId },
};

const running = await runBatchConsumer(
  kafka,
  {
    topic: config.ordersTopic,
    groupId: config.consumerGroup,
    maxWaitTimeMs: config.maxWaitTimeMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    partitionsConcurrently: config.partitionsConcurrently,
  },
  (records) => applyRecords(deps, records),
  logger,
);

startDeadLetterCount(config.deadLetterTopic);
// Read only when /metrics is scraped.
const lagGauge = observeConsumerLag(
  kafka,
  config.ordersTopic,
  config.consumerGroup,
  (error) => logger.debug("reading consumer lag failed", { error }),
);

// Redis can lose its data while the topic is quiet; intake books nothing until it is restored
// and the backlog of that moment applied (the ready marker).
const watchdog = setInterval(() => {
  liveState.ready().catch((error) => logger.warn("live state check failed", { error }));
}, 500);
// Bookings held after uncertain Kafka sends that no retry settled.
const heldBookings = new HeldBookings(redis);
observeHeldBookings(
  () => heldBookings.count(),
  (error) => logger.debug("counting held bookings failed", { error }),
);
const sweep = heldSweeper(heldBookings, backlog, clock, logger);
const sweeper = setInterval(() => {
  sweep().catch((error) => logger.warn("sweeping held bookings failed", { error }));
}, 5_000);
const daily = setInterval(() => {
  ensurePartitions(pool, clock.now(), 3).catch((error) =>
    logger.warn("creating partitions ahead failed", { error })
  );
}, 6 * 3_600_000);

const health = serveHealth(config.healthPort, async () => {
  await pool.query("SELECT 1");
  await redis.ping();
});
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;
logger.info("consumer running", { topic: config.ordersTopic, group: config.consumerGroup });

const shutdown = async () => {
  clearInterval(watchdog);
  clearInterval(sweeper);
  clearInterval(daily);
  await running.stop().catch(() => {});
  await lagGauge.close();
  await dlqProducer.disconnect().catch(() => {});
  await admin.disconnect().catch(() => {});
  await health.shutdown();
  await metrics?.shutdown();
  redis.disconnect();
  await pool.end();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
