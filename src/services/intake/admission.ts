/**
 * Load shedding: at most `limit` calls run at once; the next one is refused at once (retryable)
 * instead of queueing, so that the calls admitted stay fast and callers hear "retry" within
 * milliseconds, not after their deadline.
 *
 * The limit adapts between `minInFlight` and `maxInFlight`, in the manner of CoDel: a standing
 * queue shows as calls that are all slow, so when even the quickest call that finished in an
 * interval took longer than `targetMs` while the replica was busy (at least half its limit in
 * flight), the limit is cut by a tenth; otherwise it grows back by a tenth. A burst or a pause
 * (one slow interval among quick ones) costs a tenth of the limit, not refusals; a slow dependency
 * at low load, with few calls in flight, cuts nothing. docs/capacity.md, "Load shedding".
 */
import { OverloadedError } from "../../domain/errors.ts";

export interface AdmissionSettings {
  /** The most calls in flight (INTAKE_MAX_IN_FLIGHT). */
  readonly maxInFlight: number;
  /** The fewest the limit is cut to. */
  readonly minInFlight: number;
  /** The quickest call of an interval slower than this, while busy, cuts the limit. */
  readonly targetMs: number;
  readonly intervalMs: number;
}

export class AdaptiveInFlightLimit {
  #limit: number;
  #inFlight = 0;
  #intervalStart: number;
  #quickest = Infinity;
  #busiest = 0;

  /** `now`: a monotonic clock in milliseconds (performance.now in production). */
  constructor(private readonly settings: AdmissionSettings, private readonly now: () => number) {
    if (settings.minInFlight < 1 || settings.minInFlight > settings.maxInFlight) {
      throw new RangeError("minInFlight must be between 1 and maxInFlight");
    }
    this.#limit = settings.maxInFlight;
    this.#intervalStart = now();
  }

  /** Calls being served now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls admitted at once now. */
  get limit(): number {
    return this.#limit;
  }

  /** `call`, refused with OverloadedError while `limit` calls run. */
  guard<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      this.#adapt();
      if (this.#inFlight >= this.#limit) throw new OverloadedError("intake", this.#inFlight);
      this.#inFlight++;
      this.#busiest = Math.max(this.#busiest, this.#inFlight);
      const started = this.now();
      try {
        return await call(...args);
      } finally {
        this.#inFlight--;
        this.#quickest = Math.min(this.#quickest, this.now() - started);
        this.#adapt();
      }
    };
  }

  #adapt(): void {
    const now = this.now();
    if (now - this.#intervalStart < this.settings.intervalMs) return;
    if (this.#quickest !== Infinity) {
      const { minInFlight, maxInFlight, targetMs } = this.settings;
      const standingQueue = this.#quickest > targetMs && this.#busiest >= this.#limit / 2;
      this.#limit = standingQueue
        ? Math.max(minInFlight, Math.floor(this.#limit * 0.9))
        : Math.min(maxInFlight, this.#limit + Math.max(1, Math.floor(this.#limit / 10)));
    }
    this.#intervalStart = now;
    this.#quickest = Infinity;
    this.#busiest = this.#inFlight;
  }
}
