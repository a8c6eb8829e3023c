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
  customerOpenOrdersKey,
  displayCounterKey,
  EVENT_STREAM,
  EVENT_STREAM_MAX_LENGTH,
  KITCHEN_ACTIVE_PREFIX,
  KITCHEN_INDEXES_BUILT,
  KITCHEN_INDEXES_VERSION,
  KITCHEN_SCHEDULED_PREFIX,
  kitchenActiveKey,
  kitchenScheduledKey,
  ORDERS_TOTAL,
  orderSnapshotKey,
  PENDING_COUNT,
  READY_MARKER,
  reservationKey,
  RESTORE_LOCK,
  RESTORE_OFFSETS,
  RESTORED_MARKER,
  SCHEDULED_ORDERS,
  slotLoadKey,
  slotOrdersKey,
  STATUS_COUNTS,
} from "./keys.ts";
import { keysMatching } from "./key_scan.ts";
import { KEEP_SLOT_KEYS_AFTER_END_S } from "./slot_reservations.ts";

const RESTORE_LOCK_MS = 60_000;

export async function isLiveStateReady(redis: Redis): Promise<boolean> {
  return (await redis.exists(READY_MARKER)) === 1;
}

/** Takes the restore lock; false when another replica holds it. */
export async function tryLockRestore(redis: Redis, owner: string): Promise<boolean> {
  return (await redis.set(RESTORE_LOCK, owner, "PX", RESTORE_LOCK_MS, "NX")) === "OK";
}

/**
 * Extends the restore lock while the restore makes progress, so a restore longer than the lock's
 * expiry is not joined by a second one; false when the lock is no longer ours.
 */
export async function renewRestoreLock(redis: Redis, owner: string): Promise<boolean> {
  const renewed = await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
    1,
    RESTORE_LOCK,
    owner,
    RESTORE_LOCK_MS,
  );
  return renewed === 1;
}

export async function unlockRestore(redis: Redis, owner: string): Promise<void> {
  await redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    RESTORE_LOCK,
    owner,
  );
}

/**
 * Writes the record's live state into Redis, then sets the ready marker. The
 * bulk goes in pipelines of bounded size (a restore of many thousands of
 * orders must not build one giant transaction in memory). The restored
 * marker is set last, with the counters and the state.restored event, in one
 * MULTI, together with the topic's end offsets at that moment: orders already
 * in Kafka but not yet in PostgreSQL are not in this state, and intake may
 * book again (the ready marker) only once the consumers have applied them.
 * `onProgress` is called after each pipeline written.
 */
export async function writeLiveState(
  redis: Redis,
  state: LiveStateRecord,
  now: Date,
  backlogEnd: Record<string, string>,
  onProgress: () => Promise<void> | void = () => {},
): Promise<void> {
  const w = new ChunkedWriter(redis, onProgress);
  const nowS = Math.floor(now.getTime() / 1000);
  // Whole values are written (SET, not INCRBY), so a restore over partial state is still exact.
  w.batch.del(ACTIVE_ORDERS, SCHEDULED_ORDERS);
  // Every kitchen's share too, of kitchens with no live order left as well (a restore is rare).
  for (const prefix of [KITCHEN_ACTIVE_PREFIX, KITCHEN_SCHEDULED_PREFIX]) {
    for (const key of await keysMatching(redis, `${prefix}*`)) {
      w.batch.del(key);
      await w.counted(1);
    }
  }
  // Only a cancellation gives capacity back (apply_order.lua): a completed order still fills its slot.
  const booked = [
    ...state.liveOrders,
    ...state.recentTerminalOrders.filter((o) => o.status === "completed"),
  ];
  for (const [slot, orders] of groupBySlot(booked)) {
    const expireAt = slotExpiry(orders[0]);
    const tx = w.batch;
    tx.del(slotOrdersKey(slot));
    tx.hset(slotOrdersKey(slot), Object.fromEntries(orders.map((o) => [o.id, o.slotWeight])));
    tx.set(slotLoadKey(slot), orders.reduce((sum, o) => sum + o.slotWeight, 0));
    tx.expireat(slotOrdersKey(slot), expireAt);
    tx.expireat(slotLoadKey(slot), expireAt);
    await w.counted(5);
  }
  for (const order of state.liveOrders) {
    const tx = w.batch;
    tx.set(orderSnapshotKey(order.id), JSON.stringify(order));
    tx.expireat(orderSnapshotKey(order.id), Math.max(slotExpiry(order), nowS + 86_400));
    if (new Date(order.visibleAt).getTime() > now.getTime()) {
      tx.zadd(SCHEDULED_ORDERS, new Date(order.visibleAt).getTime(), order.id);
      tx.zadd(kitchenScheduledKey(order.kitchenId), new Date(order.visibleAt).getTime(), order.id);
    } else {
      tx.zadd(ACTIVE_ORDERS, new Date(order.slotStart).getTime(), order.id);
      tx.zadd(kitchenActiveKey(order.kitchenId), new Date(order.slotStart).getTime(), order.id);
    }
    booking(tx, order, "applied");
    // The customer's open orders (reserve_slot.lua caps them): those not cooked yet.
    if (order.status !== "ready") {
      const open = customerOpenOrdersKey(order.customer.id);
      tx.zadd(open, new Date(order.slotEnd).getTime(), order.id);
      tx.expireat(open, Math.floor(new Date(order.slotEnd).getTime() / 1000) + 1, "GT");
      tx.expireat(open, Math.floor(new Date(order.slotEnd).getTime() / 1000) + 1, "NX");
    }
    await w.counted(9);
  }
  for (const order of state.recentTerminalOrders) {
    // Their snapshots too, as the projection left them (a retry or GetOrder still finds them).
    const tx = w.batch;
    tx.set(orderSnapshotKey(order.id), JSON.stringify(order));
    tx.expireat(
      orderSnapshotKey(order.id),
      Math.max(slotExpiry(order), Math.floor(Date.parse(order.updatedAt) / 1000) + 86_400),
    );
    booking(tx, order, order.status === "cancelled" ? "released" : "applied");
    await w.counted(4);
  }
  for (const d of state.displaySequences) {
    w.batch.set(displayCounterKey(d.kitchenId, d.businessDate), d.seq, "EX", 3 * 86_400);
    await w.counted(1);
  }
  await w.flush();

  const tx = redis.multi();
  tx.del(ORDERS_TOTAL, PENDING_COUNT, STATUS_COUNTS);
  tx.set(ORDERS_TOTAL, state.total);
  tx.set(PENDING_COUNT, state.statusCounts.get("pending") ?? 0);
  for (const [status, n] of state.statusCounts) tx.hset(STATUS_COUNTS, status, n);
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
  tx.set(KITCHEN_INDEXES_BUILT, KITCHEN_INDEXES_VERSION);
  tx.set(RESTORED_MARKER, now.toISOString());
  tx.set(RESTORE_OFFSETS, JSON.stringify(backlogEnd));
  await execOrThrow(tx);
}

export async function isRestored(redis: Redis): Promise<boolean> {
  return (await redis.exists(RESTORED_MARKER)) === 1;
}

/** The topic's end offsets when the restore was written (what must be applied before ready). */
export async function restoreBacklogEnd(redis: Redis): Promise<Record<string, string> | undefined> {
  const json = await redis.get(RESTORE_OFFSETS);
  return json ? JSON.parse(json) : undefined;
}

/** Intake may book again: the restored state plus every order that was on its way is in Redis. */
export async function markReady(redis: Redis, now: Date): Promise<void> {
  await redis.multi().set(READY_MARKER, now.toISOString()).del(RESTORE_OFFSETS).exec();
}

/** Commands in pipelines of at most CHUNK commands, each sent (and checked) when full. */
class ChunkedWriter {
  static readonly CHUNK = 2_000;
  #batch: ReturnType<Redis["pipeline"]>;
  #commands = 0;

  constructor(
    private readonly redis: Redis,
    private readonly onProgress: () => Promise<void> | void,
  ) {
    this.#batch = redis.pipeline();
  }

  get batch(): ReturnType<Redis["pipeline"]> {
    return this.#batch;
  }

  async counted(commands: number): Promise<void> {
    this.#commands += commands;
    if (this.#commands >= ChunkedWriter.CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#commands === 0) return;
    const batch = this.#batch;
    this.#batch = this.redis.pipeline();
    this.#commands = 0;
    await execOrThrow(batch);
    await this.onProgress();
  }
}

async function execOrThrow(batch: ReturnType<Redis["pipeline"]>): Promise<void> {
  const results = await batch.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("restore batch was discarded");
}

function groupBySlot(orders: readonly Order[]): Map<string, Order[]> {
  const bySlot = new Map<string, Order[]>();
  for (const o of orders) {
    const slot = bySlot.get(o.targetSlotId);
    if (slot) slot.push(o);
    else bySlot.set(o.targetSlotId, [o]);
  }
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
    status: order.status,
  });
  tx.expireat(key, slotExpiry(order));
}
