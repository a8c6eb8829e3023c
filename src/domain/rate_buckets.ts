/**
 * Token buckets per key (the hub: a token's session; intake: a connection or a peer): `burst`
 * calls at once, refilled at `perSecond`. In memory, per replica; the gateway limits per client in
 * front of all replicas. Idle keys are forgotten once their bucket is full.
 */
export class RateBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number, private readonly burst: number) {}

  /** Takes one call for `key` at `nowMs`; 0 when allowed, else how long (ms) until one is. */
  take(key: string, nowMs: number): number {
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.perSecond);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.#buckets.set(key, b);
      this.#sweep(nowMs);
      return 0;
    }
    this.#buckets.set(key, b);
    return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
  }

  #sweep(nowMs: number): void {
    if (this.#buckets.size < 10_000) return;
    const full = (this.burst / this.perSecond) * 1000;
    for (const [key, b] of this.#buckets) if (nowMs - b.at > full) this.#buckets.delete(key);
  }
}
