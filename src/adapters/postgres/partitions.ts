/**
 * Monthly partitions of `orders` (orders_yYYYYmMM, UTC month boundaries). There is no default
 * partition (see migrations/003_orders.sql), so they must exist before orders arrive: the
 * migration creates last month through three months ahead, and services call ensurePartitions()
 * at start-up and periodically (daily is plenty).
 */
import type { Queryable } from "./pool.ts";

export interface OrderPartition {
  /** e.g. orders_y2026m11 */
  readonly name: string;
  /** Inclusive lower bound. */
  readonly from: Date;
  /** Exclusive upper bound. */
  readonly to: Date;
}

/** The UTC calendar date of `at` as YYYY-MM-DD. */
function utcDate(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError("invalid date");
  return at.toISOString().slice(0, 10);
}

/**
 * Makes sure the partitions for the UTC month of `from` and the `monthsAhead` months after it
 * exist (monthsAhead + 1 months in all); returns how many it had to create. Idempotent and safe to
 * call from several processes at once.
 */
export async function ensurePartitions(
  db: Queryable,
  from: Date,
  monthsAhead: number,
): Promise<number> {
  if (!Number.isInteger(monthsAhead) || monthsAhead < 0 || monthsAhead > 119) {
    throw new RangeError(`monthsAhead must be an integer 0..119, got ${monthsAhead}`);
  }
  const { rows } = await db.query<{ created: number }>(
    "SELECT ensure_order_partitions($1::date, $2::int) AS created",
    [utcDate(from), monthsAhead + 1],
  );
  return rows[0].created;
}

/** The partitions of `orders`, oldest first. */
export async function listPartitions(db: Queryable): Promise<OrderPartition[]> {
  const { rows } = await db.query<{ name: string; from: Date; to: Date }>(`
    SELECT c.relname AS name, b.bounds[1]::timestamptz AS "from", b.bounds[2]::timestamptz AS "to"
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      CROSS JOIN LATERAL regexp_match(
        pg_get_expr(c.relpartbound, c.oid),
        'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)'
      ) AS b(bounds)
     WHERE i.inhparent = 'orders'::regclass
     ORDER BY 2`);
  return rows;
}

/** The partition an instant belongs to, by name (whether or not it exists). */
export function partitionNameFor(at: Date): string {
  const date = utcDate(at);
  return `orders_y${date.slice(0, 4)}m${date.slice(5, 7)}`;
}
