/**
 * Failed order lookups (GetOrder, WatchOrder, CancelOrder of an order that is not there or not the
 * caller's), counted per customer and per peer in fixed windows shared by every intake replica.
 * Order ids cannot be guessed, but a caller that keeps trying is told to stop. A peer (one address,
 * maybe a carrier's NAT with many customers behind it) may miss PEER_FACTOR times as often as one
 * customer, so one guesser does not lock out its neighbours.
 */
import type { Redis } from "ioredis";
import { DependencyUnavailableError, RateLimitedError } from "../../domain/errors.ts";
import type { RateLimit } from "../../domain/ports.ts";
import { lookupMissesKey } from "./keys.ts";

export type MissSubject = readonly ["customer" | "peer", string];

export const PEER_FACTOR = 5;

export class RedisLookupMisses {
  constructor(private readonly redis: Redis, private readonly limit: RateLimit) {}

  /** RateLimitedError when a subject has used up its misses in this window. */
  async check(subjects: readonly MissSubject[]): Promise<void> {
    if (subjects.length === 0) return;
    const keys = subjects.map(([s, id]) => lookupMissesKey(s, id));
    const counts = await this.#call(() => this.redis.mget(...keys));
    const over = counts.findIndex((c, i) =>
      Number(c ?? 0) >= this.limit.points * (subjects[i][0] === "peer" ? PEER_FACTOR : 1)
    );
    if (over < 0) return;
    const ttl = await this.#call(() => this.redis.pttl(keys[over]));
    throw new RateLimitedError(Math.max(ttl, 1), subjects[over][0], "failed order lookups");
  }

  async count(subjects: readonly MissSubject[]): Promise<void> {
    if (subjects.length === 0) return;
    const tx = this.redis.multi();
    for (const [s, id] of subjects) {
      tx.incr(lookupMissesKey(s, id));
      tx.expire(lookupMissesKey(s, id), this.limit.windowSeconds, "NX");
    }
    await this.#call(() => tx.exec());
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
  }
}
