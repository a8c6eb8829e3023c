/** The consumer's configuration, read once from the environment. */
import { type CommonConfig, readCommonConfig } from "../../config/common.ts";
import { type Env, integer } from "../../config/env.ts";

export interface ConsumerConfig extends CommonConfig {
  readonly maxWaitTimeMs: number;
  readonly healthPort: number;
}

export function readConsumerConfig(env: Env = Deno.env.toObject()): ConsumerConfig {
  return {
    ...readCommonConfig(env, "consumer"),
    maxWaitTimeMs: integer(env, "KAFKA_MAX_WAIT_MS", 50, { min: 1, max: 10_000 }),
    healthPort: integer(env, "HEALTH_PORT", 8081, { min: 0, max: 65_535 }),
  };
}
