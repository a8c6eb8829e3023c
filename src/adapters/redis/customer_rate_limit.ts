/**
 * Per-customer limits on CreateOrder, counted in Redis so every intake
 * replica shares them: by customer id and by phone number (a customer with
 * several accounts still has one phone). Uses rate-limiter-flexible.
 */
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { DependencyUnavailableError } from "../../domain/errors.ts";

export interface RateLimitSettings {
  /** Orders allowed per customer id (and, separately, per phone) in each window. */
  readonly points: number;
  readonly windowSeconds: number;
}

export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** Which limit refused: "customer" or "phone". */
  readonly subject?: string;
  readonly retryAfterMs: number;
}

export class CustomerRateLimit {
  readonly #byCustomer: RateLimiterRedis;
  readonly #byPhone: RateLimiterRedis;

  constructor(redis: Redis, settings: RateLimitSettings) {
    const common = {
      storeClient: redis,
      points: settings.points,
      duration: settings.windowSeconds,
      // Redis trouble is an outage (UNAVAILABLE), not a free pass.
      insuranceLimiter: undefined,
    };
    this.#byCustomer = new RateLimiterRedis({ ...common, keyPrefix: "ratelimit:customer" });
    this.#byPhone = new RateLimiterRedis({ ...common, keyPrefix: "ratelimit:phone" });
  }

  async take(customerId: string, phone: string): Promise<RateLimitVerdict> {
    for (
      const [subject, limiter, key] of [
        ["customer", this.#byCustomer, customerId],
        ["phone", this.#byPhone, phone],
      ] as const
    ) {
      try {
        await limiter.consume(key, 1);
      } catch (result) {
        if (result instanceof RateLimiterRes) {
          return { allowed: false, subject, retryAfterMs: result.msBeforeNext };
        }
        throw new DependencyUnavailableError("redis", result);
      }
    }
    return { allowed: true, retryAfterMs: 0 };
  }
}
