/** Load shedding: at most `limit` calls run at once; the next one is refused at once (retryable). */
import { OverloadedError } from "../../domain/errors.ts";

export function admitAtMost<A extends unknown[], R>(
  limit: number,
  call: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let inFlight = 0;
  return async (...args) => {
    if (inFlight >= limit) throw new OverloadedError("intake", inFlight);
    inFlight++;
    try {
      return await call(...args);
    } finally {
      inFlight--;
    }
  };
}
