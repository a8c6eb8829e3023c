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

  // A freshly inserted order is exactly its event; anything else (a replay, a status change)
  // needs the record as it is now.
  const toLoad = new Set<string>();
  for (const e of events) if (e.kind !== "placed" || !fresh.has(e.eventId)) toLoad.add(e.orderId);
  const current = await loadOrders(tx, [...toLoad]);
  for (const e of placed) if (fresh.has(e.eventId)) current.set(e.orderId, e.order);

  const outcomes: (EventOutcome | undefined)[] = new Array(events.length);
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

/**
 * Inserts the orders not yet recorded, in one statement: the id first into order_ids (its primary
 * key on id alone admits each order once, whatever created_at says), then the row and its first
 * history entry for the ids admitted with this event's created_at. Returns the event ids that
 * created a row now.
 */
async function insertPlaced(tx: PoolClient, events: readonly OrderPlaced[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(ord int, event_id uuid, id uuid,
         created_at timestamptz, display_id text, display_seq int, business_date date,
         kitchen_id text, customer_id bigint, customer_first_name text, customer_last_name text,
         customer_phone text, delivery_address text, is_pickup boolean, items jsonb,
         total_price_kopecks bigint, items_count int, status text, target_slot_id text,
         slot_start timestamptz, slot_end timestamptz, visible_at timestamptz,
         requested_time timestamptz, slot_weight bigint, capacity_unit text, idempotency_key text)
     ), first_per_id AS (
       -- The same order twice in one batch: the earlier event wins, the later is a replay.
       SELECT DISTINCT ON (id) * FROM input ORDER BY id, ord
     ), registered AS (
       INSERT INTO order_ids (id, created_at)
       SELECT id, created_at FROM first_per_id
       ON CONFLICT (id) DO NOTHING
       RETURNING id, created_at
     ), created AS (
       SELECT f.* FROM first_per_id f
       JOIN registered r ON r.id = f.id AND r.created_at = f.created_at
     ), inserted AS (
       INSERT INTO orders (id, created_at, display_id, display_seq, business_date, kitchen_id,
         customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
         is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
         slot_end, visible_at, requested_time, slot_weight, capacity_unit, idempotency_key,
         version, updated_at)
       SELECT id, created_at, display_id, display_seq, business_date, kitchen_id,
         customer_id, customer_first_name, customer_last_name, customer_phone, delivery_address,
         is_pickup, items, total_price_kopecks, items_count, status, target_slot_id, slot_start,
         slot_end, visible_at, requested_time, slot_weight, capacity_unit, idempotency_key,
         1, created_at
       FROM created
       ON CONFLICT (id, created_at) DO NOTHING
     ), history AS (
       INSERT INTO order_status_history
         (event_id, order_id, order_created_at, from_status, to_status, actor, reason, occurred_at)
       SELECT event_id, id, created_at, NULL, 'pending', 'customer', NULL, created_at FROM created
       ON CONFLICT (event_id) DO NOTHING
     )
     SELECT event_id FROM created`,
    [JSON.stringify(events.map((e, ord) => ({ ord, event_id: e.eventId, ...placedRecord(e) })))],
  );
  return new Set(rows.map((r) => r.event_id));
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
  // A batch of fresh orders has nothing to read back: one round trip less per batch.
  if (ids.length === 0) return new Map();
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
