/**
 * Load shedding: at most `limit` calls run at once; the next one is refused at once (retryable)
 * instead of queueing, so that the calls admitted stay fast and callers hear "retry" within
 * milliseconds, not after their deadline. Size the limit below what the connections in front can
 * carry (streams per connection × connections), or the excess queues in the client or gateway,
 * invisible here (docs/capacity.md, "Load shedding").
 */
import { OverloadedError } from "../../domain/errors.ts";

export class InFlightLimit {
  #inFlight = 0;

  constructor(readonly limit: number) {}

  /** Calls being served now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** `call`, refused with OverloadedError while `limit` calls run. */
  guard<A extends unknown[], R>(call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      if (this.#inFlight >= this.limit) throw new OverloadedError("intake", this.#inFlight);
      this.#inFlight++;
      try {
        return await call(...args);
      } finally {
        this.#inFlight--;
      }
    };
  }
}
