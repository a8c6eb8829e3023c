/** Test helper: minimal valid rows for `orders` written with plain SQL, to exercise the schema itself. */
import type { Queryable } from "./pool.ts";

export interface TestOrderRow {
  readonly id?: string;
  readonly createdAt: Date;
  readonly kitchenId?: string;
  readonly status?: string;
}

/** The SQL (without ON CONFLICT) and parameters that insert one order row. */
export function orderInsert(row: TestOrderRow): { sql: string; params: unknown[] } {
  const id = row.id ?? crypto.randomUUID();
  const slotStart = new Date(row.createdAt.getTime() + 30 * 60_000);
  const slotEnd = new Date(slotStart.getTime() + 15 * 60_000);
  const items = [{
    pizzaName: "Пицца Классическая",
    quantity: 1,
    unitPriceKopecks: 96200,
    lineTotalKopecks: 96200,
    extras: [],
    ingredients: [{ name: "Моцарелла", grams: 150 }],
    station: "pizza",
  }];
  return {
    sql: `INSERT INTO orders (id, created_at, display_id, display_seq, business_date, kitchen_id,
        customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
        is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
        slot_end, visible_at, slot_weight, capacity_unit, updated_at)
      VALUES ($1, $2, '001', 1, ($2::timestamptz AT TIME ZONE 'Europe/Moscow')::date, $3,
        42, 'Иван', 'Иванов', '+79001234567', 'Москва, ул. Тверская, д. 1',
        false, $4::jsonb, 96200, 1, $5, $6, $7, $8, $2, 96200, 'value', $2)`,
    params: [
      id,
      row.createdAt,
      row.kitchenId ?? "main",
      JSON.stringify(items),
      row.status ?? "pending",
      `slot:${row.kitchenId ?? "main"}:${slotStart.getTime() / 1000}`,
      slotStart,
      slotEnd,
    ],
  };
}

/** Registers the id in order_ids (first created_at wins) and inserts the order row. */
export async function insertTestOrder(db: Queryable, row: TestOrderRow): Promise<string> {
  const id = row.id ?? crypto.randomUUID();
  await db.query(
    "INSERT INTO order_ids (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    [id, row.createdAt],
  );
  const { sql, params } = orderInsert({ ...row, id });
  await db.query(sql, params);
  return id;
}
