/** The promoter's Redis side: move due scheduled orders to active and announce them (lua/promote_due.lua). */
import type { Redis } from "ioredis";
import { recordScriptSpan } from "../../observability/redis_spans.ts";
import { linkToTraceparent } from "../../observability/trace_context.ts";
import {
  ACTIVE_ORDERS,
  EVENT_STREAM,
  EVENT_STREAM_MAX_LENGTH,
  KITCHEN_ACTIVE_PREFIX,
  KITCHEN_SCHEDULED_PREFIX,
  SCHEDULED_ORDERS,
} from "./keys.ts";
import { script } from "./scripts.ts";

export interface Promoted {
  readonly orderId: string;
  readonly visibleAt: Date;
  /** The order's creation trace (absent or '' when it was not traced). */
  readonly traceparent?: string;
}

export class DueOrders {
  readonly #promote;

  constructor(private readonly redis: Redis) {
    this.#promote = script(redis, "promote_due");
  }

  /** Promotes at most `limit` orders due at `now`. */
  async promote(now: Date, limit: number): Promise<Promoted[]> {
    const startedMs = Date.now();
    const flat = await this.#promote(
      [SCHEDULED_ORDERS, ACTIVE_ORDERS, EVENT_STREAM],
      [
        now.getTime(),
        limit,
        EVENT_STREAM_MAX_LENGTH,
        now.toISOString(),
        KITCHEN_SCHEDULED_PREFIX,
        KITCHEN_ACTIVE_PREFIX,
      ],
    ) as string[];
    const promoted: Promoted[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      promoted.push({
        orderId: flat[i],
        visibleAt: new Date(Number(flat[i + 1])),
        traceparent: flat[i + 2] ?? "",
      });
    }
    // A tick that moved orders is a span of its own, linked to each order's creation trace;
    // the many idle ticks leave no trace.
    if (promoted.length > 0) {
      const links = promoted.map((p) => linkToTraceparent(p.traceparent)).filter((l) => !!l);
      recordScriptSpan("promote_due", startedMs, links, {
        "ovenline.promoted.count": promoted.length,
        ...(promoted.length === 1 ? { "ovenline.order.id": promoted[0].orderId } : {}),
      });
    }
    return promoted;
  }

  /** When the next scheduled order is due, if any. */
  async nextDue(): Promise<Date | undefined> {
    const [, score] = await this.redis.zrange(SCHEDULED_ORDERS, 0, 0, "WITHSCORES");
    return score === undefined ? undefined : new Date(Number(score));
  }
}
