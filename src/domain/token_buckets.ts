/**
 * Call-rate limits kept in this process: a token bucket per key (a connection or a peer), refilled
 * at `perSecond` up to `burst`. Cheap enough for every call (a map lookup); at most `maxKeys` keys
 * are kept, the oldest dropped first (which only ever forgives a caller, never blocks one).
 */
import type { Clock } from "./ports.ts";

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`: 0 when there was one, else the milliseconds until there is. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { tokens: this.burst, atMs: now };
      this.#buckets.set(key, bucket);
    } else {
      const refill = ((now - bucket.atMs) / 1000) * this.perSecond;
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.atMs = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
