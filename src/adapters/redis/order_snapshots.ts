/** Reads of the live order snapshots the consumer keeps in Redis. */
import type { Redis } from "ioredis";
import { DependencyUnavailableError } from "../../domain/errors.ts";
import type { Order } from "../../domain/order.ts";
import { orderSnapshotKey } from "./keys.ts";

export class RedisOrderSnapshots {
  constructor(private readonly redis: Redis) {}

  async get(orderId: string): Promise<Order | undefined> {
    let json: string | null;
    try {
      json = await this.redis.get(orderSnapshotKey(orderId));
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
    return json ? JSON.parse(json) as Order : undefined;
  }
}
