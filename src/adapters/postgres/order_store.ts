/**
 * The consumer's writes to the record. A batch of events is applied in one
 * SERIALIZABLE transaction (retried on serialization failures by
 * withTransaction); every write is idempotent, so a redelivered event finds
 * its id or event id already there and changes nothing.
 */
import { canTransition } from "../../domain/status.ts";
import type { Order } from "../../domain/order.ts";
import type { OrderEvent, OrderPlaced, StatusChangeRequested } from "../../domain/order_event.ts";
import { type Pool, type PoolClient, type RetryOptions, withTransaction } from "./pool.ts";
import { ORDER_COLUMNS, orderOfRow, type OrderRow } from "./order_rows.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type EventOutcome =
  /** Changed the record now. */
  | { readonly kind: "applied"; readonly order: Order }
  /** Already applied before (a replay); `order` is the record as it is. */
  | { readonly kind: "duplicate"; readonly order: Order }
  /** A status change the order's current status no longer allows (two cooks tapped at once). */
  | { readonly kind: "stale"; readonly order: Order; readonly reason: string }
  /** Can never apply (e.g. a change for an order that does not exist). */
  | { readonly kind: "invalid"; readonly reason: string };

export class OrderStore {
  constructor(private readonly pool: Pool, private readonly retry: RetryOptions = {}) {}

  /** Applies `events` in order, all or nothing; outcomes are index-aligned with `events`. */
  applyBatch(events: readonly OrderEvent[]): Promise<EventOutcome[]> {
    return withTransaction(this.pool, "serializable", (tx) => applyAll(tx, events), this.retry);
  }

  async get(orderId: string): Promise<Order | undefined> {
    // Not a UUID: no such order (asking PostgreSQL would fail the uuid cast: an INTERNAL error).
    if (!UUID.test(orderId)) return undefined;
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`,
      [orderId],
    );
    return rows[0] ? orderOfRow(rows[0]) : undefined;
  }
}

async function applyAll(tx: PoolClient, events: readonly OrderEvent[]): Promise<EventOutcome[]> {
  const placed = events.filter((e): e is OrderPlaced => e.kind === "placed");
  const fresh = await insertPlaced(tx, placed);

  const outcomes: (EventOutcome | undefined)[] = new Array(events.length);
  const current = await loadOrders(tx, [...new Set(events.map((e) => e.orderId))]);
  for (const [i, event] of events.entries()) {
    if (event.kind === "placed") {
      const order = current.get(event.orderId);
      if (!order) {
        outcomes[i] = { kind: "invalid", reason: "order row missing after insert" };
      } else {
        const isNew = fresh.has(event.eventId);
        fresh.delete(event.eventId); // the same event twice in one batch: the second is a replay
        outcomes[i] = { kind: isNew ? "applied" : "duplicate", order };
      }
      continue;
    }
    outcomes[i] = await applyStatusChange(tx, event, current);
  }
  return outcomes as EventOutcome[];
}

/** Inserts the orders not yet recorded; returns the event ids that created a row now. */
async function insertPlaced(tx: PoolClient, events: readonly OrderPlaced[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  // order_ids first: its primary key on id alone admits each order once, whatever created_at says.
  const registered = await tx.query<{ id: string; created_at: Date }>(
    `INSERT INTO order_ids (id, created_at)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
     ON CONFLICT (id) DO NOTHING
     RETURNING id, created_at`,
    [events.map((e) => e.orderId), events.map((e) => e.order.createdAt)],
  );
  if (registered.rows.length === 0) return new Set();
  const winners = new Map(registered.rows.map((r) => [r.id, r.created_at.getTime()]));
  const created = events.filter((e) => {
    const at = winners.get(e.orderId);
    if (at !== new Date(e.order.createdAt).getTime()) return false;
    winners.delete(e.orderId); // one row per id even if the batch holds the event twice
    return true;
  });
  await tx.query(
    `INSERT INTO orders (id, created_at, display_id, display_seq, business_date, kitchen_id,
       customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
       is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
       slot_end, visible_at, requested_time, slot_weight, capacity_unit, idempotency_key,
       version, updated_at)
     SELECT id, created_at, display_id, display_seq, business_date, kitchen_id,
       customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
       is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
       slot_end, visible_at, requested_time, slot_weight, capacity_unit, idempotency_key,
       1, created_at
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, created_at timestamptz, display_id text,
       display_seq int, business_date date, kitchen_id text, customer_id bigint,
       customer_first_name text, customer_last_name text, customer_phone text,
       delivery_address text, is_pickup boolean, items jsonb, total_price_kopecks bigint,
       items_count int, status text, target_slot_id text, slot_start timestamptz,
       slot_end timestamptz, visible_at timestamptz, requested_time timestamptz,
       slot_weight bigint, capacity_unit text, idempotency_key text)
     ON CONFLICT (id, created_at) DO NOTHING`,
    [JSON.stringify(created.map(placedRecord))],
  );
  await tx.query(
    `INSERT INTO order_status_history
       (event_id, order_id, order_created_at, from_status, to_status, actor, reason, occurred_at)
     SELECT e, o, c, NULL, 'pending', 'customer', NULL, c
     FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS t(e, o, c)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      created.map((e) => e.eventId),
      created.map((e) => e.orderId),
      created.map((e) => e.order.createdAt),
    ],
  );
  return new Set(created.map((e) => e.eventId));
}

function placedRecord(e: OrderPlaced) {
  const o = e.order;
  return {
    id: o.id,
    created_at: o.createdAt,
    display_id: o.displayId,
    display_seq: e.displaySeq,
    business_date: o.businessDate,
    kitchen_id: o.kitchenId,
    customer_id: o.customer.id,
    customer_first_name: o.customer.firstName,
    customer_last_name: o.customer.lastName,
    customer_phone: o.customer.phone,
    delivery_address: o.deliveryAddress,
    is_pickup: o.isPickup,
    items: o.items,
    total_price_kopecks: o.totalPriceKopecks,
    items_count: o.itemsCount,
    status: o.status,
    target_slot_id: o.targetSlotId,
    slot_start: o.slotStart,
    slot_end: o.slotEnd,
    visible_at: o.visibleAt,
    requested_time: o.requestedTime ?? null,
    slot_weight: o.slotWeight,
    capacity_unit: o.capacityUnit,
    idempotency_key: e.idempotencyKey === "" ? null : e.idempotencyKey,
  };
}

async function loadOrders(tx: PoolClient, ids: readonly string[]): Promise<Map<string, Order>> {
  const { rows } = await tx.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, orderOfRow(r)]));
}

async function applyStatusChange(
  tx: PoolClient,
  event: StatusChangeRequested,
  current: Map<string, Order>,
): Promise<EventOutcome> {
  const order = current.get(event.orderId);
  if (!order) return { kind: "invalid", reason: `order ${event.orderId} does not exist` };
  const seen = await tx.query(`SELECT 1 FROM order_status_history WHERE event_id = $1`, [
    event.eventId,
  ]);
  if (seen.rowCount) return { kind: "duplicate", order };
  if (order.status !== event.from || !canTransition(order.status, event.to)) {
    return {
      kind: "stale",
      order,
      reason: `asked ${event.from} → ${event.to} but the order is ${order.status}`,
    };
  }
  const { rows } = await tx.query<OrderRow>(
    `UPDATE orders SET status = $3, version = version + 1, updated_at = $4
     WHERE id = $1 AND created_at = $2
     RETURNING ${ORDER_COLUMNS}`,
    [order.id, order.createdAt, event.to, event.occurredAt],
  );
  await tx.query(
    `INSERT INTO order_status_history
       (event_id, order_id, order_created_at, from_status, to_status, actor, reason, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8)`,
    [
      event.eventId,
      order.id,
      order.createdAt,
      event.from,
      event.to,
      event.actor || "unknown",
      event.reason,
      event.occurredAt,
    ],
  );
  const updated = orderOfRow(rows[0]);
  current.set(order.id, updated);
  return { kind: "applied", order: updated };
}
