/**
 * The consumer's projection of the record into Redis: snapshot, active and
 * scheduled sets (whole and the kitchen's), slot loads, counters and the
 * event stream: apply_order.lua, atomic for each order, run for a batch of
 * orders in one call (apply_orders). Versions make it idempotent.
 */
import type { Context, Span } from "@opentelemetry/api";
import type { Redis } from "ioredis";
import { parseDisplayId } from "../../domain/display_id.ts";
import type { Order } from "../../domain/order.ts";
import { withoutPersonalData } from "../../domain/personal_data.ts";
import {
  ACTIVE_ORDERS,
  displayCounterKey,
  EVENT_STREAM,
  EVENT_STREAM_MAX_LENGTH,
  kitchenActiveKey,
  kitchenScheduledKey,
  ORDERS_TOTAL,
  orderSnapshotKey,
  PENDING_COUNT,
  reservationKey,
  SCHEDULED_ORDERS,
  slotLoadKey,
  slotOrdersKey,
  STATUS_COUNTS,
} from "./keys.ts";
import { startScriptSpan } from "../../observability/redis_spans.ts";
import { traceparentOf } from "../../observability/trace_context.ts";
import { failSpan } from "../../observability/tracing.ts";
import { script } from "./scripts.ts";
import { KEEP_SLOT_KEYS_AFTER_END_S } from "./slot_reservations.ts";

const SNAPSHOT_TTL_S = 86_400;

export interface Projected {
  readonly orderId: string;
  readonly applied: boolean;
  readonly previousStatus: string;
  readonly published: readonly string[];
}

/**
 * Orders projected per script call. One call per batch spares a command's round of work in
 * ioredis and in Redis for each order; the cap bounds how long one call holds Redis (its one
 * thread serves nothing else meanwhile) when a backlog arrives in large fetches.
 */
const ORDERS_PER_CALL = 100;

export class OrderProjection {
  constructor(private readonly redis: Redis) {
    script(redis, "apply_orders"); // defines the command, which pipelines then offer too
  }

  /**
   * Projects the orders, up to ORDERS_PER_CALL in one script call, the calls
   * in one pipeline. `parents[i]` is the trace context of the event that
   * produced `orders[i]`: it gets an apply_order span there, whose traceparent
   * the script writes on the order's stream entries.
   */
  async project(
    orders: readonly Order[],
    now: Date,
    parents: readonly (Context | undefined)[] = [],
  ): Promise<Projected[]> {
    if (orders.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const spans: (Span | undefined)[] = [];
    for (let start = 0; start < orders.length; start += ORDERS_PER_CALL) {
      const chunk = orders.slice(start, start + ORDERS_PER_CALL);
      const keys: string[] = [];
      const args: (string | number)[] = [];
      for (const [j, order] of chunk.entries()) {
        const parent = parents[start + j];
        const span = parent
          ? startScriptSpan("apply_order", parent, { "ovenline.order.id": order.id })
          : undefined;
        spans.push(span);
        const [orderKeys, orderArgs] = applyArguments(order, now, span ? traceparentOf(span) : "");
        keys.push(...orderKeys);
        args.push(...orderArgs);
      }
      const n = chunk.length;
      // deno-lint-ignore no-explicit-any
      (pipeline as any).ovenline_apply_orders(
        keys.length,
        ...keys,
        n,
        keys.length / n,
        args.length / n,
        ...args,
      );
    }
    try {
      const replies = await pipeline.exec();
      if (!replies) throw new Error("redis pipeline was discarded");
      const perOrder = replies.flatMap(([error, reply]) => {
        if (error) throw error;
        return reply as [number, string, ...string[]][];
      });
      return perOrder.map(([applied, previous, ...published], i) => {
        spans[i]?.setAttributes({
          "ovenline.redis.applied": applied === 1,
          "ovenline.events.published": published.join(","),
        });
        return {
          orderId: orders[i].id,
          applied: applied === 1,
          previousStatus: previous,
          published,
        };
      });
    } catch (error) {
      for (const span of spans) if (span) failSpan(span, error);
      throw error;
    } finally {
      for (const span of spans) span?.end();
    }
  }
}

function applyArguments(
  order: Order,
  now: Date,
  traceparent: string,
): [string[], (string | number)[]] {
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
    kitchenActiveKey(order.kitchenId),
    kitchenScheduledKey(order.kitchenId),
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
    traceparent,
    [...new Set(order.items.map((item) => item.station))].join(","),
    // The stream keeps ~100,000 entries and is read by every hub and watcher: no personal data.
    JSON.stringify(withoutPersonalData(order)),
  ];
  return [keys, args];
}
