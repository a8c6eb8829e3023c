/** The consumer's configuration, read once from the environment. */
import {
  type CommonConfig,
  metricsPort,
  readCommonConfig,
  readStallAfterMs,
} from "../../config/common.ts";
import { type Env, integer } from "../../config/env.ts";

export interface ConsumerConfig extends CommonConfig {
  readonly maxWaitTimeMs: number;
  /** How long the group waits for a silent (crashed) member before handing its partitions on. */
  readonly sessionTimeoutMs: number;
  readonly healthPort: number;
  /** Prometheus /metrics; 0: none. */
  readonly metricsPort: number;
  /**
   * Partitions kafkajs hands out at once. Their batches are applied in one transaction and
   * committed in one OffsetCommit, so this can cover every partition a replica holds.
   */
  readonly partitionsConcurrently: number;
  /**
   * Not live once the consume loop has been out of the group, or has had records waiting with
   * no committed offset moving, for this long (longer than kafkajs' 60 s rebalance timeout, the
   * longest a healthy join waits).
   */
  readonly stallAfterMs: number;
}

export function readConsumerConfig(env: Env = Deno.env.toObject()): ConsumerConfig {
  return {
    ...readCommonConfig(env, "consumer"),
    maxWaitTimeMs: integer(env, "KAFKA_MAX_WAIT_MS", 50, { min: 1, max: 10_000 }),
    // The broker's group.min.session.timeout.ms is 6 s by default.
    sessionTimeoutMs: integer(env, "KAFKA_SESSION_TIMEOUT_MS", 30_000, {
      min: 6_000,
      max: 300_000,
    }),
    healthPort: integer(env, "HEALTH_PORT", 8081, { min: 0, max: 65_535 }),
    metricsPort: metricsPort(env),
    partitionsConcurrently: integer(env, "KAFKA_PARTITIONS_CONCURRENTLY", 64, {
      min: 1,
      max: 1_024,
    }),
    stallAfterMs: readStallAfterMs(env, 90_000),
  };
}
