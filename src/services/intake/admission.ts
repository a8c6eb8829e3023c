/** Load shedding: at most `limit` calls run at once; the next one is refused at once (retryable). */
import { OverloadedError } from "../../domain/errors.ts";

export function admitAtMost<A, R>(
  limit: number,
  call: (arg: A) => Promise<R>,
): (arg: A) => Promise<R> {
  let inFlight = 0;
  return async (arg) => {
    if (inFlight >= limit) throw new OverloadedError("intake", inFlight);
    inFlight++;
    try {
      return await call(arg);
    } finally {
      inFlight--;
    }
  };
}
