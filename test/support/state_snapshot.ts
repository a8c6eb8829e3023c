/**
 * Everything a stack has stored, in one comparable value: every Redis key with
 * its value (rate-limit counters aside: a refused call may count against its
 * caller), the Kafka topics' record counts, and the PostgreSQL tables that
 * requests can change. "A rejected request writes nothing and reserves
 * nothing" is then `assert.deepEqual(before, after)`.
 */
import type { TestStack } from "./stack.ts";

export interface SystemState {
  readonly redis: Record<string, unknown>;
  readonly kafka: { readonly orders: number; readonly deadLetters: number };
  readonly pg: Record<string, unknown>;
}

/** Keys that count calls rather than hold state. */
const NOT_WRITES = [/^ratelimit:/];

async function redisValue(stack: TestStack, key: string): Promise<unknown> {
  const r = stack.redis;
  const type = await r.type(key);
  switch (type) {
    case "string":
      return await r.get(key);
    case "hash":
      return Object.fromEntries(Object.entries(await r.hgetall(key)).sort());
    case "zset":
      return await r.zrange(key, 0, -1, "WITHSCORES");
    case "set":
      return (await r.smembers(key)).sort();
    case "list":
      return await r.lrange(key, 0, -1);
    case "stream": {
      const last = await r.xrevrange(key, "+", "-", "COUNT", 1);
      return { length: await r.xlen(key), last: last[0]?.[0] ?? null };
    }
    default:
      return `(${type})`;
  }
}

export async function systemState(stack: TestStack): Promise<SystemState> {
  const redis: Record<string, unknown> = {};
  for (const key of await stack.redisKeys("*")) {
    if (NOT_WRITES.some((p) => p.test(key))) continue;
    redis[key] = await redisValue(stack, key);
  }
  const rows = async (sql: string) => (await stack.pool.query(sql)).rows;
  return {
    redis,
    kafka: {
      orders: await stack.kafkaRecordCount(),
      deadLetters: await stack.kafkaRecordCount(stack.topics.deadLetters),
    },
    pg: {
      orders: await rows("SELECT count(*)::int AS n FROM orders"),
      orderIds: await rows("SELECT count(*)::int AS n FROM order_ids"),
      history: await rows("SELECT count(*)::int AS n FROM order_status_history"),
      kitchens: await rows("SELECT id, config, version FROM kitchens ORDER BY id"),
      pizzas: await rows("SELECT * FROM pizzas ORDER BY code"),
      extras: await rows("SELECT * FROM extras ORDER BY code"),
    },
  };
}

/** A readable account of what differs between two states (empty when nothing does). */
export function stateDifferences(before: SystemState, after: SystemState): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(before.redis), ...Object.keys(after.redis)]);
  for (const key of [...keys].sort()) {
    const a = JSON.stringify(before.redis[key]);
    const b = JSON.stringify(after.redis[key]);
    if (a !== b) out.push(`redis ${key}: ${a?.slice(0, 200)} → ${b?.slice(0, 200)}`);
  }
  for (const part of ["kafka", "pg"] as const) {
    for (const [name, value] of Object.entries(before[part])) {
      const a = JSON.stringify(value);
      const b = JSON.stringify((after[part] as Record<string, unknown>)[name]);
      if (a !== b) out.push(`${part} ${name}: ${a.slice(0, 300)} → ${b.slice(0, 300)}`);
    }
  }
  return out;
}
