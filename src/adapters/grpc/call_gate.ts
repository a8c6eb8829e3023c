/**
 * What every OrderService call passes before it runs: the call-rate limits of its connection and
 * its peer (in this process, before any signature is checked, so a flood of bad tokens costs
 * little), then the caller's identity (caller_identity.ts).
 */
import { RateLimitedError } from "../../domain/errors.ts";
import type { TokenBuckets } from "../../domain/token_buckets.ts";
import type { CallerIdentity, CallTransport, IdentifiedCall } from "./caller_identity.ts";

export interface CallRateLimits {
  readonly perConnection?: TokenBuckets;
  readonly perPeer?: TokenBuckets;
}

export class CallGate {
  constructor(
    private readonly identity: CallerIdentity,
    private readonly limits: CallRateLimits = {},
  ) {}

  async admit(call: CallTransport): Promise<IdentifiedCall> {
    const where = this.identity.whereFrom(call);
    if (where.connection !== undefined && this.limits.perConnection) {
      const waitMs = this.limits.perConnection.take(where.connection);
      if (waitMs > 0) throw new RateLimitedError(waitMs, "connection", "calls");
    }
    if (where.peer !== undefined && this.limits.perPeer) {
      const waitMs = this.limits.perPeer.take(where.peer);
      if (waitMs > 0) throw new RateLimitedError(waitMs, "peer", "calls");
    }
    return await this.identity.identify(call, where);
  }
}
