/** Reads of the orders Redis knows: the consumer's live snapshots, and accepted orders not yet applied. */
import type { Redis } from "ioredis";
import { DependencyUnavailableError } from "../../domain/errors.ts";
import type { Order } from "../../domain/order.ts";
import { decodeOrderEvent } from "../protobuf/order_event_codec.ts";
import { orderSnapshotKey, reservationKey } from "./keys.ts";

export class RedisOrderSnapshots {
  constructor(private readonly redis: Redis) {}

  /** The live snapshot the consumer keeps (absent once the order is gone from Redis). */
  async get(orderId: string): Promise<Order | undefined> {
    let json: string | null;
    try {
      json = await this.redis.get(orderSnapshotKey(orderId));
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
    return json ? JSON.parse(json) as Order : undefined;
  }

  /** The traceparent of the order's creation trace, when it was traced (for links). */
  async traceparent(orderId: string): Promise<string | undefined> {
    return await this.redis.hget(reservationKey(orderId), "traceparent") ?? undefined;
  }

  /**
   * An order intake has accepted (durable in Kafka) that the consumer has not
   * applied yet, as intake built it. Lets a cancel right after the "yes" find
   * its order; the consumer applies both in order (same partition).
   */
  async accepted(orderId: string): Promise<Order | undefined> {
    let fields: (Uint8Array | null)[];
    try {
      fields = await this.redis.hmgetBuffer(reservationKey(orderId), "state", "event");
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
    const [state, event] = fields;
    if (!event || !state || new TextDecoder().decode(state) !== "produced") return undefined;
    const decoded = decodeOrderEvent(new Uint8Array(event));
    return decoded.kind === "placed" ? decoded.order : undefined;
  }
}
