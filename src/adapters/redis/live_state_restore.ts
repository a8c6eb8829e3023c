/**
 * Start-up restore (the seed's BootstrapState): when Redis comes back empty,
 * live state is rebuilt from PostgreSQL before intake may book again. Intake
 * refuses to book while the ready marker is missing, and only one replica
 * restores at a time (a lock with expiry).
 */
import type { Redis } from "ioredis";
import type { Order } from "../../domain/order.ts";
import type { LiveStateRecord } from "../postgres/live_state_queries.ts";
import {
  ACTIVE_ORDERS,
  displayCounterKey,
  EVENT_STREAM,
  ORDERS_TOTAL,
  orderSnapshotKey,
  PENDING_COUNT,
  READY_MARKER,
  reservationKey,
  RESTORE_LOCK,
  SCHEDULED_ORDERS,
  slotLoadKey,
  slotOrdersKey,
  STATUS_COUNTS,
} from "./keys.ts";
import { EVENT_STREAM_MAX_LENGTH } from "./order_projection.ts";
import { KEEP_SLOT_KEYS_AFTER_END_S } from "./slot_reservations.ts";

const RESTORE_LOCK_MS = 60_000;

export async function isLiveStateReady(redis: Redis): Promise<boolean> {
  return (await redis.exists(READY_MARKER)) === 1;
}

/** Takes the restore lock; false when another replica holds it. */
export async function tryLockRestore(redis: Redis, owner: string): Promise<boolean> {
  return (await redis.set(RESTORE_LOCK, owner, "PX", RESTORE_LOCK_MS, "NX")) === "OK";
}

export async function unlockRestore(redis: Redis, owner: string): Promise<void> {
  await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    RESTORE_LOCK,
    owner,
  );
}

/** Writes the record's live state into an empty Redis in one MULTI, then sets the ready marker. */
export async function writeLiveState(
  redis: Redis,
  state: LiveStateRecord,
  now: Date,
): Promise<void> {
  const tx = redis.multi();
  const nowS = Math.floor(now.getTime() / 1000);
  // Whole values are written (SET, not INCRBY), so a restore over partial state is still exact.
  tx.del(ACTIVE_ORDERS, SCHEDULED_ORDERS);
  // Only a cancellation gives capacity back (apply_order.lua): a completed order still fills its slot.
  const booked = [
    ...state.liveOrders,
    ...state.recentTerminalOrders.filter((o) => o.status === "completed"),
  ];
  for (const [slot, orders] of groupBySlot(booked)) {
    const expireAt = slotExpiry(orders[0]);
    tx.del(slotOrdersKey(slot));
    tx.hset(slotOrdersKey(slot), Object.fromEntries(orders.map((o) => [o.id, o.slotWeight])));
    tx.set(slotLoadKey(slot), orders.reduce((sum, o) => sum + o.slotWeight, 0));
    tx.expireat(slotOrdersKey(slot), expireAt);
    tx.expireat(slotLoadKey(slot), expireAt);
  }
  for (const order of state.liveOrders) {
    tx.set(orderSnapshotKey(order.id), JSON.stringify(order));
    tx.expireat(orderSnapshotKey(order.id), Math.max(slotExpiry(order), nowS + 86_400));
    if (new Date(order.visibleAt).getTime() > now.getTime()) {
      tx.zadd(SCHEDULED_ORDERS, new Date(order.visibleAt).getTime(), order.id);
    } else {
      tx.zadd(ACTIVE_ORDERS, new Date(order.slotStart).getTime(), order.id);
    }
    booking(tx, order, "applied");
  }
  for (const order of state.recentTerminalOrders) {
    // Their snapshots too, as the projection left them (a retry or GetOrder still finds them).
    tx.set(orderSnapshotKey(order.id), JSON.stringify(order));
    tx.expireat(
      orderSnapshotKey(order.id),
      Math.max(slotExpiry(order), Math.floor(Date.parse(order.updatedAt) / 1000) + 86_400),
    );
    booking(tx, order, order.status === "cancelled" ? "released" : "applied");
  }
  tx.del(ORDERS_TOTAL, PENDING_COUNT, STATUS_COUNTS);
  tx.set(ORDERS_TOTAL, state.total);
  tx.set(PENDING_COUNT, state.statusCounts.get("pending") ?? 0);
  for (const [status, n] of state.statusCounts) tx.hset(STATUS_COUNTS, status, n);
  for (const d of state.displaySequences) {
    tx.set(displayCounterKey(d.kitchenId, d.businessDate), d.seq, "EX", 3 * 86_400);
  }
  // Hubs answer this with a fresh snapshot to every client: the stream before it is gone.
  tx.xadd(
    EVENT_STREAM,
    "MAXLEN",
    "~",
    EVENT_STREAM_MAX_LENGTH,
    "*",
    "type",
    "state.restored",
    "kitchen",
    "*",
    "at",
    now.toISOString(),
    "order",
    "null",
  );
  tx.set(READY_MARKER, now.toISOString());
  const results = await tx.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("restore transaction was discarded");
}

function groupBySlot(orders: readonly Order[]): Map<string, Order[]> {
  const bySlot = new Map<string, Order[]>();
  for (const o of orders) bySlot.set(o.targetSlotId, [...(bySlot.get(o.targetSlotId) ?? []), o]);
  return bySlot;
}

function slotExpiry(order: Order): number {
  return Math.floor(new Date(order.slotEnd).getTime() / 1000) + KEEP_SLOT_KEYS_AFTER_END_S;
}

function booking(
  tx: ReturnType<Redis["multi"]>,
  order: Order,
  state: "applied" | "released",
): void {
  const key = reservationKey(order.id);
  tx.hset(key, {
    slot_id: order.targetSlotId,
    slot_key: slotLoadKey(order.targetSlotId),
    orders_key: slotOrdersKey(order.targetSlotId),
    weight: order.slotWeight,
    start_ms: new Date(order.slotStart).getTime(),
    end_ms: new Date(order.slotEnd).getTime(),
    business_date: order.businessDate,
    seq: Number(order.displayId) || 0,
    created_at_ms: new Date(order.createdAt).getTime(),
    state,
  });
  tx.expireat(key, slotExpiry(order));
}
