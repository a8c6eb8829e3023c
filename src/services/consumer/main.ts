/**
 * consumer: reads pizza-orders (group order-service-stable-group), applies
 * each event to PostgreSQL then Redis, publishes the KDS events, and commits
 * offsets only after both writes.
 *
 * The health port opens first. Liveness follows the loops: the consume loop
 * (restarted after any crash; not live once it has stayed out of the group, or
 * had records waiting with no offset moving, for STALL_AFTER_MS), the
 * live-state restore and the held-bookings sweep.
 */
import { runBatchConsumer } from "../../adapters/kafka/batch_consumer.ts";
import { createKafka } from "../../adapters/kafka/client.ts";
import { ConsumeSupervisor } from "../../adapters/kafka/consume_supervisor.ts";
import { DeadLetterQueue } from "../../adapters/kafka/dead_letters.ts";
import {
  groupReached,
  readGroupOffsets,
  topicEndOffsets,
} from "../../adapters/kafka/group_progress.ts";
import { OrderStore } from "../../adapters/postgres/order_store.ts";
import { ensurePartitions } from "../../adapters/postgres/partitions.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { connectRedis, createRedis } from "../../adapters/redis/client.ts";
import { DEAD_LETTER_COUNT } from "../../adapters/redis/keys.ts";
import { HeldBookings } from "../../adapters/redis/held_bookings.ts";
import { OrderProjection } from "../../adapters/redis/order_projection.ts";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { observeConsumerLag } from "../../observability/consumer_lag_gauge.ts";
import { observeHeldBookings } from "../../observability/held_bookings_gauge.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { serveMetrics } from "../../observability/metrics_server.ts";
import { recordDeadLetter, startDeadLetterCount } from "../../observability/pipeline_metrics.ts";
import { serveHealth } from "../support/health_server.ts";
import { runPeriodically } from "../support/periodic_task.ts";
import { Startup } from "../support/startup.ts";
import { applyRecords } from "./apply_records.ts";
import { readConsumerConfig } from "./config.ts";
import { consumeWatch } from "./consume_watch.ts";
import { heldSweeper } from "./held_sweeper.ts";
import { liveStateGuard } from "./live_state.ts";

const config = readConsumerConfig();
const logger = createLogger({ service: "consumer" }, parseLevel(config.logLevel));
const clock = { now: () => new Date() };
const watchdog = new ProgressWatchdog(clock);
const startup = new Startup(logger);
const stallAfterMs = config.stallAfterMs;
/** A loop's period, or less: a few ticks within the stall limit. */
const tickWithin = (ms: number) => Math.min(ms, Math.max(250, Math.floor(stallAfterMs / 4)));

const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-consumer",
  max: DATABASE_CONNECTIONS.consumer.pool,
  onIdleError: (error) => logger.warn("idle PostgreSQL connection failed", { error }),
});
const redis = createRedis(config.redis, "ovenline-consumer");
redis.on("error", () => {}); // reconnects on its own; failures surface on the calls that need Redis
const health = serveHealth(config.healthPort, {
  watchdog,
  startup,
  dependencies: async () => {
    await pool.query("SELECT 1");
    await redis.ping();
  },
}, logger);
const metrics = config.metricsPort ? serveMetrics(config.metricsPort) : undefined;

await connectRedis(redis, undefined, startup.doing("connecting to Redis"));
await startup.step("creating partitions ahead", () => ensurePartitions(pool, clock.now(), 3));

const kafka = createKafka(config.kafka, logger);
const dlqProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await startup.step("connecting the dead-letter producer", () => dlqProducer.connect());
const deadLetters = new DeadLetterQueue(dlqProducer, config.deadLetterTopic);
const admin = kafka.admin();
await startup.step("connecting to Kafka", () => admin.connect());
const backlog = {
  end: () => topicEndOffsets(admin, config.ordersTopic),
  reached: (target: Record<string, string>) =>
    groupReached(admin, config.consumerGroup, config.ordersTopic, target),
};
const liveState = liveStateGuard(
  redis,
  pool,
  clock,
  logger,
  crypto.randomUUID(),
  backlog,
  watchdog.loop("live-state restore", { stallAfterMs }),
);
// Kafka (the backlog's offsets) or PostgreSQL may still be coming back, e.g. after a node restart.
// A restore takes as long as it needs: it reports its progress to the watchdog.
await startup.step("checking the live state", async () => {
  await liveState.restored();
  await liveState.ready(); // at once when nothing was pending (a first start, a clean restart)
});

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

const consumeLoop = watchdog.loop("consume loop", { stallAfterMs, ticks: true });
const supervisor = new ConsumeSupervisor(
  (events) =>
    runBatchConsumer(
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
      events,
    ),
  { joined: () => consumeLoop.started(), stopped: (reason) => consumeLoop.stopped(reason) },
  logger,
);
await supervisor.run();
// The loop's progress, from the group's offsets: a few looks within the stall limit. A loop
// stuck for half of it with no batch failing gets a fresh consumer.
const watchEveryMs = tickWithin(5_000);
const watching = runPeriodically(
  "watching the consume loop",
  watchEveryMs,
  consumeWatch({
    read: () => readGroupOffsets(admin, config.consumerGroup, config.ordersTopic),
    loop: supervisor,
    liveState,
    heartbeat: consumeLoop,
    restartAfter: Math.max(2, Math.ceil(stallAfterMs / 2 / watchEveryMs)),
  }),
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
// and the backlog of that moment applied (the ready marker). A restore has its own heartbeat.
const liveStateCheck = runPeriodically(
  "checking the live state",
  500,
  () => liveState.restoring ? Promise.resolve() : liveState.ready(),
  logger,
  watchdog.loop("live-state check", { stallAfterMs }),
);
// Bookings held after uncertain Kafka sends that no retry settled.
const heldBookings = new HeldBookings(redis);
observeHeldBookings(
  () => heldBookings.count(),
  (error) => logger.debug("counting held bookings failed", { error }),
);
const sweeper = runPeriodically(
  "sweeping held bookings",
  tickWithin(5_000),
  heldSweeper(heldBookings, backlog, clock, logger),
  logger,
  watchdog.loop("held-bookings sweep", { stallAfterMs, ticks: true }),
);
// Partitions are created days ahead (and by the housekeeper): a failure here is only logged.
const daily = setInterval(() => {
  ensurePartitions(pool, clock.now(), 3).catch((error) =>
    logger.warn("creating partitions ahead failed", { error })
  );
}, 6 * 3_600_000);

startup.finish();
logger.info("consumer started; joining the group", {
  topic: config.ordersTopic,
  group: config.consumerGroup,
});

const shutdown = async () => {
  clearInterval(daily);
  await Promise.all([watching.stop(), liveStateCheck.stop(), sweeper.stop()]);
  await supervisor.stop().catch(() => {});
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
