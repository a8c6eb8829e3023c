/** Reads of the live picture the hub and dashboards show: active and scheduled orders, slot loads. */
import type { Redis } from "ioredis";
import type { Order } from "../../domain/order.ts";
import { ACTIVE_ORDERS, orderSnapshotKey, SCHEDULED_ORDERS, slotLoadKey } from "./keys.ts";

export class LiveOrders {
  constructor(private readonly redis: Redis) {}

  /** On the KDS now, by slot start. */
  active(kitchenId?: string): Promise<Order[]> {
    return this.#ordersIn(ACTIVE_ORDERS, kitchenId);
  }

  /** Accepted, not yet visible, by visible_at. */
  scheduled(kitchenId?: string): Promise<Order[]> {
    return this.#ordersIn(SCHEDULED_ORDERS, kitchenId);
  }

  async get(orderId: string): Promise<Order | undefined> {
    const json = await this.redis.get(orderSnapshotKey(orderId));
    return json ? JSON.parse(json) as Order : undefined;
  }

  /** Booked load per slot id (0 when nothing is booked). */
  async slotLoads(slotIds: readonly string[]): Promise<number[]> {
    if (slotIds.length === 0) return [];
    const values = await this.redis.mget(...slotIds.map(slotLoadKey));
    return values.map((v) => Number(v ?? 0));
  }

  async #ordersIn(set: string, kitchenId?: string): Promise<Order[]> {
    const ids = await this.redis.zrange(set, 0, -1);
    if (ids.length === 0) return [];
    const orders: Order[] = [];
    // Chunks keep one reply small even with thousands of live orders.
    for (let i = 0; i < ids.length; i += 500) {
      const jsons = await this.redis.mget(...ids.slice(i, i + 500).map(orderSnapshotKey));
      for (const json of jsons) {
        if (!json) continue;
        const order = JSON.parse(json) as Order;
        if (kitchenId === undefined || order.kitchenId === kitchenId) orders.push(order);
      }
    }
    return orders;
  }
}
