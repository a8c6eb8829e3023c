/**
 * The consumer's projection of the record into Redis: snapshot, active and
 * scheduled sets, slot loads, counters and the event stream, one atomic Lua
 * call per order (pipelined). Versions make it idempotent.
 */
import type { Redis } from "ioredis";
import { parseDisplayId } from "../../domain/display_id.ts";
import type { Order } from "../../domain/order.ts";
import {
  ACTIVE_ORDERS,
  displayCounterKey,
  EVENT_STREAM,
  ORDERS_TOTAL,
  orderSnapshotKey,
  PENDING_COUNT,
  reservationKey,
  SCHEDULED_ORDERS,
  slotLoadKey,
  slotOrdersKey,
  STATUS_COUNTS,
} from "./keys.ts";
import { script } from "./scripts.ts";
import { KEEP_SLOT_KEYS_AFTER_END_S } from "./slot_reservations.ts";

const SNAPSHOT_TTL_S = 86_400;
/** The hub replays missed events from here; older gaps get a fresh snapshot instead. */
export const EVENT_STREAM_MAX_LENGTH = 100_000;

export interface Projected {
  readonly orderId: string;
  readonly applied: boolean;
  readonly previousStatus: string;
  readonly published: readonly string[];
}

export class OrderProjection {
  constructor(private readonly redis: Redis) {
    script(redis, "apply_order"); // defines the command, which pipelines then offer too
  }

  async project(orders: readonly Order[], now: Date): Promise<Projected[]> {
    if (orders.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const order of orders) {
      const [keys, args] = applyArguments(order, now);
      // deno-lint-ignore no-explicit-any
      (pipeline as any).ovenline_apply_order(keys.length, ...keys, ...args);
    }
    const replies = await pipeline.exec();
    if (!replies) throw new Error("redis pipeline was discarded");
    return replies.map(([error, reply], i) => {
      if (error) throw error;
      const [applied, previous, ...published] = reply as [number, string, ...string[]];
      return {
        orderId: orders[i].id,
        applied: applied === 1,
        previousStatus: previous,
        published,
      };
    });
  }
}

function applyArguments(order: Order, now: Date): [string[], (string | number)[]] {
  const slotEndS = Math.floor(new Date(order.slotEnd).getTime() / 1000);
  const slotKeysExpireAt = slotEndS + KEEP_SLOT_KEYS_AFTER_END_S;
  const snapshotExpireAt = Math.max(
    Math.floor(now.getTime() / 1000) + SNAPSHOT_TTL_S,
    slotKeysExpireAt,
  );
  const keys = [
    orderSnapshotKey(order.id),
    ACTIVE_ORDERS,
    SCHEDULED_ORDERS,
    reservationKey(order.id),
    slotLoadKey(order.targetSlotId),
    slotOrdersKey(order.targetSlotId),
    displayCounterKey(order.kitchenId, order.businessDate),
    ORDERS_TOTAL,
    PENDING_COUNT,
    STATUS_COUNTS,
    EVENT_STREAM,
  ];
  const args = [
    order.id,
    order.version,
    JSON.stringify(order),
    order.status,
    new Date(order.visibleAt).getTime(),
    new Date(order.slotStart).getTime(),
    now.getTime(),
    order.slotWeight,
    order.targetSlotId,
    slotKeysExpireAt,
    snapshotExpireAt,
    parseDisplayId(order.displayId) ?? 0,
    order.kitchenId,
    EVENT_STREAM_MAX_LENGTH,
    now.toISOString(),
  ];
  return [keys, args];
}
