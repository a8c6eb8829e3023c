/** The promoter's configuration, read once from the environment. */
import { metricsPort, readStallAfterMs, redisSettings } from "../../config/common.ts";
import { type Env, integer, optionalText } from "../../config/env.ts";
import type { RedisSettings } from "../../adapters/redis/client.ts";

export interface PromoterConfig {
  readonly logLevel: string | undefined;
  readonly redis: RedisSettings;
  /** Longest sleep between checks; also the worst lateness while the loop is idle. */
  readonly tickMs: number;
  readonly batchSize: number;
  readonly healthPort: number;
  /** Not live once the loop has said nothing (or only failed) for this long. */
  readonly stallAfterMs: number;
  /** Prometheus /metrics; 0: none. */
  readonly metricsPort: number;
}

export function readPromoterConfig(env: Env = Deno.env.toObject()): PromoterConfig {
  return {
    logLevel: optionalText(env, "LOG_LEVEL"),
    redis: redisSettings(env),
    tickMs: integer(env, "PROMOTER_TICK_MS", 100, { min: 10, max: 1_000 }),
    batchSize: integer(env, "PROMOTER_BATCH", 500, { min: 1, max: 10_000 }),
    healthPort: integer(env, "PROMOTER_HEALTH_PORT", 8082, { min: 0, max: 65_535 }),
    stallAfterMs: readStallAfterMs(env, 30_000),
    metricsPort: metricsPort(env),
  };
}
