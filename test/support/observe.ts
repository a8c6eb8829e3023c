/**
 * Looking at what a stack really stored: PostgreSQL rows, Redis keys, Kafka
 * records. Tests assert against these, never against mocks.
 */
import { Buffer } from "node:buffer";
import type { IHeaders } from "kafkajs";
import {
  ORDER_COLUMNS,
  orderOfRow,
  type OrderRow,
} from "../../src/adapters/postgres/order_rows.ts";
import type { Order } from "../../src/domain/order.ts";
import { testKafka } from "./kafka_topics.ts";
import type { TestStack } from "./stack.ts";
import { waitFor } from "./wait.ts";

/** The raw `orders` row (every column), or undefined. */
// deno-lint-ignore no-explicit-any
export async function orderRow(stack: TestStack, orderId: string): Promise<any | undefined> {
  const { rows } = await stack.pool.query(
    "SELECT *, business_date::text AS business_date_text FROM orders WHERE id = $1",
    [orderId],
  );
  return rows[0];
}

/** The record as the domain Order (the shape the consumer projects into Redis). */
export async function recordedOrder(stack: TestStack, orderId: string): Promise<Order | undefined> {
  const { rows } = await stack.pool.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`,
    [orderId],
  );
  // As JSON, the form the snapshot in Redis has (undefined fields vanish).
  return rows[0] ? JSON.parse(JSON.stringify(orderOfRow(rows[0]))) : undefined;
}

/** Waits until the consumer has recorded the order in PostgreSQL and projected it into Redis. */
export async function waitForOrder(
  stack: TestStack,
  orderId: string,
  timeoutMs = 15_000,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const row = await waitFor(
    `order ${orderId} in PostgreSQL`,
    () => orderRow(stack, orderId),
    timeoutMs,
  );
  await waitFor(
    `order ${orderId} in Redis`,
    async () => (await stack.redis.exists(`erp:order:${orderId}`)) === 1,
    timeoutMs,
  );
  return row;
}

/** Waits until every id is in PostgreSQL and Redis. */
export async function waitForOrders(
  stack: TestStack,
  orderIds: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    `${orderIds.length} orders in PostgreSQL`,
    async () => {
      const { rows } = await stack.pool.query<{ n: string }>(
        "SELECT count(DISTINCT id)::text AS n FROM orders WHERE id = ANY($1::uuid[])",
        [orderIds],
      );
      return Number(rows[0].n) === orderIds.length;
    },
    timeoutMs,
    100,
  );
  await waitFor(
    `${orderIds.length} orders in Redis`,
    async () => {
      const found = await stack.redis.exists(...orderIds.map((id) => `erp:order:${id}`));
      return found === orderIds.length;
    },
    timeoutMs,
    100,
  );
}

export async function historyRows(
  stack: TestStack,
  orderId: string,
): Promise<
  { event_id: string; from_status: string | null; to_status: string; actor: string }[]
> {
  const { rows } = await stack.pool.query(
    `SELECT event_id::text, from_status, to_status, actor FROM order_status_history
     WHERE order_id = $1 ORDER BY occurred_at, recorded_at`,
    [orderId],
  );
  return rows;
}

/** Everything a rejected request must not have touched, for one kitchen. */
export interface Footprint {
  readonly pgOrders: number;
  readonly pgOrderIds: number;
  readonly pgHistory: number;
  readonly kafkaRecords: number;
  readonly slotKeys: string[];
  readonly slotLoads: Record<string, string | null>;
  readonly reservationKeys: number;
  readonly displayKeys: Record<string, string | null>;
}

export async function footprint(stack: TestStack, kitchenId: string): Promise<Footprint> {
  const q = async (sql: string, params: unknown[] = []) =>
    Number((await stack.pool.query<{ n: string }>(sql, params)).rows[0].n);
  const slotKeys = await stack.redisKeys(`slot:${kitchenId}:*`);
  const loads = slotKeys.filter((k) => !k.endsWith(":orders"));
  const displayKeys = await stack.redisKeys(`display:${kitchenId}:*`);
  return {
    pgOrders: await q("SELECT count(*)::text AS n FROM orders WHERE kitchen_id = $1", [kitchenId]),
    pgOrderIds: await q("SELECT count(*)::text AS n FROM order_ids"),
    pgHistory: await q("SELECT count(*)::text AS n FROM order_status_history"),
    kafkaRecords: await stack.kafkaRecordCount(),
    slotKeys,
    slotLoads: Object.fromEntries(
      await Promise.all(loads.map(async (k) => [k, await stack.redis.get(k)] as const)),
    ),
    reservationKeys: (await stack.redisKeys("order:slot:*")).length,
    displayKeys: Object.fromEntries(
      await Promise.all(displayKeys.map(async (k) => [k, await stack.redis.get(k)] as const)),
    ),
  };
}

/** Produces raw records to a topic of the stack (as a foreign or misbehaving producer would). */
export async function produceRaw(
  topic: string,
  messages: { key: string | null; value: Uint8Array | null; headers?: IHeaders }[],
): Promise<void> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value === null ? null : Buffer.from(m.value),
        headers: m.headers,
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Uint8Array | null;
  readonly headers: Record<string, string>;
}

/** Reads a topic from the beginning until `count` records arrived (or fails after `timeoutMs`). */
export async function readTopic(
  topic: string,
  count: number,
  timeoutMs = 15_000,
): Promise<ReadRecord[]> {
  const consumer = testKafka().consumer({
    groupId: `test-reader-${crypto.randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      // deno-lint-ignore require-await
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
        }
        records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value ? new Uint8Array(message.value) : null,
          headers,
        });
      },
    });
    await waitFor(`${count} records on ${topic}`, () => records.length >= count, timeoutMs, 100);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** Entries of the event stream, as {type, order} with the order JSON parsed. */
export async function streamEvents(
  stack: TestStack,
): Promise<{ id: string; type: string; order: Order | null }[]> {
  const entries = await stack.redis.xrange("ovenline:events", "-", "+");
  return entries.map(([id, fields]) => {
    const map: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) map[fields[i]] = fields[i + 1];
    // The promoter's order.visible names the order without carrying it (no personal data).
    const order = map.order ? JSON.parse(map.order) : map.id ? { id: map.id } as Order : null;
    return { id, type: map.type, order };
  });
}

/** The local calendar date ("YYYY-MM-DD") of instant `t` in time zone `zone`. */
export function localDate(t: Date | number, zone: string): string {
  const ms = typeof t === "number" ? t : t.getTime();
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate()
    .toString();
}

export const SLOT_MS = 15 * 60_000;

/**
 * Start of the first 15-minute slot at or after `t` in a kitchen open around the clock: its
 * openings start at local midnight, which is a whole quarter hour of UTC in every zone in use
 * (offsets are multiples of 15 minutes), and slots are stepped in real time from there.
 */
export function firstSlotStartAtOrAfter(t: Date | number): number {
  const ms = typeof t === "number" ? t : t.getTime();
  return Math.ceil(ms / SLOT_MS) * SLOT_MS;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Keys that are not state: the event stream, markers, locks, leases and metrics. */
const NOT_STATE = [
  /^ovenline:events$/,
  /^ovenline:state:(ready|restored|restore_offsets)$/,
  /^ovenline:restore:lock$/,
  /^erp:dead_letters$/,
  /^ratelimit:/,
];

/**
 * Every piece of live state in a stack's Redis, in a comparable form: order
 * snapshots (parsed), the active and scheduled sets with scores, slot loads and
 * their order hashes, counters, display counters and bookings. A counter or
 * load of 0 counts as absent (a cancelled order leaves "0" behind; a restore
 * writes nothing there).
 */
export async function liveState(stack: TestStack): Promise<Record<string, unknown>> {
  const r = stack.redis;
  const state: Record<string, unknown> = {};
  for (const key of await stack.redisKeys("*")) {
    if (NOT_STATE.some((p) => p.test(key))) continue;
    const type = await r.type(key);
    if (key.startsWith("erp:order:")) {
      state[key] = JSON.parse((await r.get(key))!);
    } else if (/^customer:.*:open$/.test(key)) {
      // What counts is which orders are open (booked, not cooked, slot not over); intake prunes
      // the rest only at the customer's next booking.
      const flat = await r.zrangebyscore(key, `(${Date.now()}`, "+inf", "WITHSCORES");
      const open: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const order = await r.get(`erp:order:${flat[i]}`);
        const status = order ? JSON.parse(order).status : "unknown";
        if (["pending", "preparing", "cooking"].includes(status)) {
          open.push([flat[i], Number(flat[i + 1])]);
        }
      }
      if (open.length > 0) state[key] = open.sort((a, b) => a[0].localeCompare(b[0]));
    } else if (type === "zset") {
      const flat = await r.zrange(key, 0, -1, "WITHSCORES");
      const pairs: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], Number(flat[i + 1])]);
      state[key] = pairs.sort((a, b) => a[0].localeCompare(b[0]));
    } else if (key.startsWith("order:slot:")) {
      const h = await r.hgetall(key);
      state[key] = {
        slot_id: h.slot_id,
        slot_key: h.slot_key,
        orders_key: h.orders_key,
        weight: h.weight,
        state: h.state,
        status: h.status,
      };
    } else if (type === "hash") {
      const h = await r.hgetall(key);
      const kept = Object.entries(h).filter(([, v]) => v !== "0");
      if (kept.length > 0) state[key] = Object.fromEntries(kept.sort());
    } else if (type === "string") {
      const v = await r.get(key);
      if (v !== "0") state[key] = v;
    } else {
      state[key] = `(${type})`;
    }
  }
  return state;
}

/** Whether process `pid` is running (Linux: present in /proc and not a zombie). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
