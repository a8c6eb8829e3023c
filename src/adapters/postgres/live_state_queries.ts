/** What the start-up restore reads from the record to rebuild Redis. */
import type { Order } from "../../domain/order.ts";
import type { OrderStatus } from "../../domain/status.ts";
import { ORDER_COLUMNS, orderOfRow, type OrderRow } from "./order_rows.ts";
import type { Pool } from "./pool.ts";

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

/** Rows fetched at a time: each fetch is one statement (within its timeout) and one progress. */
const FETCH_ROWS = 2_000;

/**
 * Reads the live state in one REPEATABLE READ transaction (one consistent snapshot), the orders
 * through a cursor `FETCH_ROWS` at a time, calling `onProgress` after each fetch: however many
 * orders there are, no statement runs long and the caller can tell that the read advances.
 */
export async function readLiveState(
  pool: Pool,
  now: Date,
  onProgress: () => void = () => {},
): Promise<LiveStateRecord> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const rows = async (sql: string, params: unknown[] = []): Promise<OrderRow[]> => {
      await client.query(`DECLARE live_state NO SCROLL CURSOR FOR ${sql}`, params);
      const all: OrderRow[] = [];
      for (;;) {
        const batch = await client.query<OrderRow>(`FETCH ${FETCH_ROWS} FROM live_state`);
        all.push(...batch.rows);
        onProgress();
        if (batch.rows.length < FETCH_ROWS) break;
      }
      await client.query("CLOSE live_state");
      return all;
    };
    const live = await rows(
      `SELECT ${ORDER_COLUMNS} FROM orders
       WHERE status IN ('pending', 'preparing', 'cooking', 'ready')`,
    );
    const recent = await rows(
      `SELECT ${ORDER_COLUMNS} FROM orders
       WHERE status IN ('completed', 'cancelled') AND slot_end > $1::timestamptz - interval '1 day'
         AND created_at > $1::timestamptz - interval '3 days'`,
      [now],
    );
    const counts = await client.query<{ status: OrderStatus; n: string }>(
      `SELECT status, count(*)::text AS n FROM orders GROUP BY status`,
    );
    const sequences = await client.query<
      { kitchen_id: string; business_date: string; seq: number }
    >(
      `SELECT kitchen_id, business_date::text AS business_date, max(display_seq) AS seq
       FROM orders WHERE business_date >= ($1::timestamptz - interval '2 days')::date
       GROUP BY kitchen_id, business_date`,
      [now],
    );
    await client.query("COMMIT");
    const statusCounts = new Map(counts.rows.map((r) => [r.status, Number(r.n)]));
    return {
      liveOrders: live.map(orderOfRow),
      recentTerminalOrders: recent.map(orderOfRow),
      statusCounts,
      total: [...statusCounts.values()].reduce((a, b) => a + b, 0),
      displaySequences: sequences.rows.map((r) => ({
        kitchenId: r.kitchen_id,
        businessDate: r.business_date,
        seq: r.seq,
      })),
    };
  } catch (error) {
    failed = true;
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release(failed); // a connection that failed is closed, not pooled
  }
}
