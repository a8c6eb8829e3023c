/** Reads of the orders Redis knows: the consumer's live snapshots, and accepted orders not yet applied. */
import type { Redis } from "ioredis";
import { DependencyUnavailableError } from "../../domain/errors.ts";
import type { Order } from "../../domain/order.ts";
import { decodeOrderEvent } from "../protobuf/order_event_codec.ts";
import { orderSnapshotKey, reservationKey } from "./keys.ts";

export class RedisOrderSnapshots {
  constructor(private readonly redis: Redis) {}

  /** The traceparent of the order's creation trace, when it was traced (for links). */
  async traceparent(orderId: string): Promise<string | undefined> {
    return await this.redis.hget(reservationKey(orderId), "traceparent") ?? undefined;
  }

  /**
   * The order as Redis knows it: the consumer's live snapshot, or else an order intake has
   * accepted (durable in Kafka) that the consumer has not applied yet, as intake built it. Both
   * keys are read in one MULTI: the consumer applies an order to both at once (apply_order.lua),
   * so a read can never fall between them and miss an order that exists. Lets a cancel or a status
   * change right after the "yes" find its order; the consumer applies both in order (same
   * partition).
   */
  async find(orderId: string): Promise<Order | undefined> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.redis.multi()
        .get(orderSnapshotKey(orderId))
        .hmgetBuffer(reservationKey(orderId), "state", "event")
        .exec();
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
    const failed = replies?.find(([error]) => error)?.[0];
    if (!replies || failed) throw new DependencyUnavailableError("redis", failed);
    const json = replies[0][1] as string | null;
    if (json) return JSON.parse(json) as Order;
    const [state, event] = replies[1][1] as (Uint8Array | null)[];
    if (!event || !state || new TextDecoder().decode(state) !== "produced") return undefined;
    const decoded = decodeOrderEvent(new Uint8Array(event));
    return decoded.kind === "placed" ? decoded.order : undefined;
  }
}
