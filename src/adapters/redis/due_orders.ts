/** The promoter's Redis side: move due scheduled orders to active and announce them (lua/promote_due.lua). */
import type { Redis } from "ioredis";
import { ACTIVE_ORDERS, EVENT_STREAM, SCHEDULED_ORDERS } from "./keys.ts";
import { EVENT_STREAM_MAX_LENGTH } from "./order_projection.ts";
import { script } from "./scripts.ts";

export interface Promoted {
  readonly orderId: string;
  readonly visibleAt: Date;
}

export class DueOrders {
  readonly #promote;

  constructor(private readonly redis: Redis) {
    this.#promote = script(redis, "promote_due");
  }

  /** Promotes at most `limit` orders due at `now`. */
  async promote(now: Date, limit: number): Promise<Promoted[]> {
    const flat = await this.#promote(
      [SCHEDULED_ORDERS, ACTIVE_ORDERS, EVENT_STREAM],
      [now.getTime(), limit, EVENT_STREAM_MAX_LENGTH, now.toISOString()],
    ) as string[];
    const promoted: Promoted[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      promoted.push({ orderId: flat[i], visibleAt: new Date(Number(flat[i + 1])) });
    }
    return promoted;
  }

  /** When the next scheduled order is due, if any. */
  async nextDue(): Promise<Date | undefined> {
    const [, score] = await this.redis.zrange(SCHEDULED_ORDERS, 0, 0, "WITHSCORES");
    return score === undefined ? undefined : new Date(Number(score));
  }
}
