/** What the start-up restore reads from the record to rebuild Redis. */
import type { Order } from "../../domain/order.ts";
import type { OrderStatus } from "../../domain/status.ts";
import { ORDER_COLUMNS, orderOfRow, type OrderRow } from "./order_rows.ts";
import type { Queryable } from "./pool.ts";

export interface LiveStateRecord {
  /** Orders still on the kitchen's plate (pending … ready). */
  readonly liveOrders: Order[];
  /** Completed or cancelled orders whose slot has not long ended: their bookings keep retries idempotent. */
  readonly recentTerminalOrders: Order[];
  readonly statusCounts: ReadonlyMap<OrderStatus, number>;
  readonly total: number;
  /** Highest display sequence per kitchen and business day, for the recent days. */
  readonly displaySequences: ReadonlyArray<
    { kitchenId: string; businessDate: string; seq: number }
  >;
}

export async function readLiveState(db: Queryable, now: Date): Promise<LiveStateRecord> {
  const live = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders
     WHERE status IN ('pending', 'preparing', 'cooking', 'ready')`,
  );
  const recent = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders
     WHERE status IN ('completed', 'cancelled') AND slot_end > $1::timestamptz - interval '1 day'
       AND created_at > $1::timestamptz - interval '3 days'`,
    [now],
  );
  const counts = await db.query<{ status: OrderStatus; n: string }>(
    `SELECT status, count(*)::text AS n FROM orders GROUP BY status`,
  );
  const sequences = await db.query<{ kitchen_id: string; business_date: string; seq: number }>(
    `SELECT kitchen_id, business_date::text AS business_date, max(display_seq) AS seq
     FROM orders WHERE business_date >= ($1::timestamptz - interval '2 days')::date
     GROUP BY kitchen_id, business_date`,
    [now],
  );
  const statusCounts = new Map(counts.rows.map((r) => [r.status, Number(r.n)]));
  return {
    liveOrders: live.rows.map(orderOfRow),
    recentTerminalOrders: recent.rows.map(orderOfRow),
    statusCounts,
    total: [...statusCounts.values()].reduce((a, b) => a + b, 0),
    displaySequences: sequences.rows.map((r) => ({
      kitchenId: r.kitchen_id,
      businessDate: r.business_date,
      seq: r.seq,
    })),
  };
}
