/** Reads of the live picture the hub and dashboards show: active and scheduled orders, slot loads. */
import type { Redis } from "ioredis";
import type { Order } from "../../domain/order.ts";
import { isLive } from "../../domain/status.ts";
import {
  ACTIVE_ORDERS,
  KITCHEN_INDEXES_BUILT,
  KITCHEN_INDEXES_VERSION,
  kitchenActiveKey,
  kitchenScheduledKey,
  orderSnapshotKey,
  SCHEDULED_ORDERS,
  slotLoadKey,
} from "./keys.ts";

export class LiveOrders {
  constructor(private readonly redis: Redis) {}

  /** The kitchen's orders on the KDS now, by slot start. */
  active(kitchenId: string): Promise<Order[]> {
    return this.#ordersIn(kitchenActiveKey(kitchenId), ACTIVE_ORDERS, kitchenId);
  }

  /** The kitchen's accepted orders not yet visible, by visible_at. */
  scheduled(kitchenId: string): Promise<Order[]> {
    return this.#ordersIn(kitchenScheduledKey(kitchenId), SCHEDULED_ORDERS, kitchenId);
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

  /** Reads only the kitchen's share of `whole`, and the snapshots it names. */
  async #ordersIn(share: string, whole: string, kitchenId: string): Promise<Order[]> {
    const replies = await this.redis.multi()
      .get(KITCHEN_INDEXES_BUILT)
      .zrange(share, 0, -1)
      .exec();
    const failed = replies?.find(([error]) => error);
    if (!replies || failed) throw failed?.[0] ?? new Error("redis transaction was discarded");
    const built = replies[0][1] === KITCHEN_INDEXES_VERSION;
    // Redis state from before the kitchens' shares, until the consumer has built them.
    const ids = built ? replies[1][1] as string[] : await this.redis.zrange(whole, 0, -1);
    const orders: Order[] = [];
    // Chunks keep one reply small even with thousands of live orders.
    for (let i = 0; i < ids.length; i += 500) {
      const jsons = await this.redis.mget(...ids.slice(i, i + 500).map(orderSnapshotKey));
      for (const json of jsons) {
        if (!json) continue;
        const order = JSON.parse(json) as Order;
        // A finished order still listed was left by a consumer of the previous version mid-upgrade.
        if (order.kitchenId === kitchenId && isLive(order.status)) orders.push(order);
      }
    }
    return orders;
  }
}
