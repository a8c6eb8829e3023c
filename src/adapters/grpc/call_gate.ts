/**
 * What every OrderService call passes before it runs: the call-rate limits of its connection and
 * its peer (in this process, before any signature is checked, so a flood of bad tokens costs
 * little), then the caller's identity (caller_identity.ts).
 */
import { RateLimitedError } from "../../domain/errors.ts";
import type { RateBuckets } from "../../domain/rate_buckets.ts";
import type { Clock } from "../../domain/ports.ts";
import type { CallerIdentity, CallTransport, IdentifiedCall } from "./caller_identity.ts";

export interface CallRateLimits {
  readonly perConnection?: RateBuckets;
  readonly perPeer?: RateBuckets;
}

export class CallGate {
  constructor(
    private readonly identity: CallerIdentity,
    private readonly clock: Clock,
    private readonly limits: CallRateLimits = {},
  ) {}

  async admit(call: CallTransport): Promise<IdentifiedCall> {
    const where = this.identity.whereFrom(call);
    const nowMs = this.clock.now().getTime();
    if (where.connection !== undefined && this.limits.perConnection) {
      const waitMs = this.limits.perConnection.take(where.connection, nowMs);
      if (waitMs > 0) throw new RateLimitedError(waitMs, "connection", "calls");
    }
    if (where.peer !== undefined && this.limits.perPeer) {
      const waitMs = this.limits.perPeer.take(where.peer, nowMs);
      if (waitMs > 0) throw new RateLimitedError(waitMs, "peer", "calls");
    }
    return await this.identity.identify(call, where);
  }
}
