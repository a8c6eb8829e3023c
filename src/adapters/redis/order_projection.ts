/**
 * The consumer's projection of the record into Redis: snapshot, active and
 * scheduled sets (whole and the kitchen's), slot loads, counters and the
 * event stream, one atomic Lua call per order (pipelined). Versions make it
 * idempotent.
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

export class OrderProjection {
  constructor(private readonly redis: Redis) {
    script(redis, "apply_order"); // defines the command, which pipelines then offer too
  }

  /**
   * Projects each order in one pipeline. `parents[i]` is the trace context of
   * the event that produced `orders[i]`: its apply_order call gets a span
   * there, whose traceparent the script writes on the stream entries.
   */
  async project(
    orders: readonly Order[],
    now: Date,
    parents: readonly (Context | undefined)[] = [],
  ): Promise<Projected[]> {
    if (orders.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const spans: (Span | undefined)[] = [];
    for (const [i, order] of orders.entries()) {
      const parent = parents[i];
      const span = parent
        ? startScriptSpan("apply_order", parent, { "ovenline.order.id": order.id })
        : undefined;
      spans.push(span);
      const [keys, args] = applyArguments(order, now, span ? traceparentOf(span) : "");
      // deno-lint-ignore no-explicit-any
      (pipeline as any).ovenline_apply_order(keys.length, ...keys, ...args);
    }
    try {
      const replies = await pipeline.exec();
      if (!replies) throw new Error("redis pipeline was discarded");
      return replies.map(([error, reply], i) => {
        if (error) throw error;
        const [applied, previous, ...published] = reply as [number, string, ...string[]];
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
