/** The end-of-run checks: nothing lost, nothing twice, right statuses, exact slot loads, KDS saw what became visible. */
import type pg from "pg";
import type { Redis } from "ioredis";
import { keysMatching } from "../../src/adapters/redis/key_scan.ts";
import type { Acknowledged, WalkedAway } from "./order_load.ts";

export interface Verdict {
  readonly acknowledged: number;
  readonly inPostgres: number;
  readonly lost: string[];
  readonly duplicated: string[];
  readonly wrongStatus: string[];
  /** Orders in the record that no client acknowledged nor walked away from: phantoms. */
  readonly unexplained: string[];
  /** Orders of customers who walked away that were recorded anyway (their send had landed). */
  readonly walkedAwayRecorded: number;
  readonly slotProblems: string[];
  readonly slotsChecked: number;
  readonly visibleNotOnKds: string[];
  readonly visibleChecked: number;
}

export async function verify(
  pool: pg.Pool,
  redis: Redis,
  kitchenId: string,
  capacity: number,
  acked: readonly Acknowledged[],
  walkedAway: readonly WalkedAway[],
  expectedStatus: ReadonlyMap<string, string>,
  kdsSeen: ReadonlySet<string>,
  now: Date,
): Promise<Verdict> {
  const { rows } = await pool.query<{
    id: string;
    status: string;
    customer_id: string;
    idempotency_key: string | null;
    target_slot_id: string;
    slot_weight: string;
    visible_at: Date;
  }>(
    `SELECT id, status, customer_id::text, idempotency_key, target_slot_id, slot_weight::text, visible_at
       FROM orders WHERE kitchen_id = $1`,
    [kitchenId],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ackedIds = new Set(acked.map((a) => a.response.orderId));
  const lost = [...ackedIds].filter((id) => !byId.has(id));

  // Twice = one customer's idempotency key behind two orders, in the record or in the answers.
  const perKey = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = `${r.customer_id}:${r.idempotency_key}`;
    perKey.set(key, (perKey.get(key) ?? new Set()).add(r.id));
  }
  for (const a of acked) {
    const key = `${a.customerId}:${a.idempotencyKey}`;
    perKey.set(key, (perKey.get(key) ?? new Set()).add(a.response.orderId));
  }
  const duplicated = [...perKey.entries()].filter(([, ids]) => ids.size > 1).map(([k]) => k);

  const ackedKeys = new Set(acked.map((a) => `${a.customerId}:${a.idempotencyKey}`));
  const walkedKeys = new Set(walkedAway.map((w) => `${w.customerId}:${w.idempotencyKey}`));
  const keyOf = (r: (typeof rows)[number]) => `${r.customer_id}:${r.idempotency_key}`;
  const unexplained = rows.filter((r) => !ackedKeys.has(keyOf(r)) && !walkedKeys.has(keyOf(r)))
    .map((r) => r.id);
  const walkedAwayRecorded = rows.filter((r) => walkedKeys.has(keyOf(r))).length;

  const wrongStatus = [...ackedIds].filter((id) => {
    const row = byId.get(id);
    return row !== undefined && row.status !== (expectedStatus.get(id) ?? "pending");
  });

  // Every slot: booked load in Redis = the weights of its orders in the record that hold
  // capacity (all but cancelled ones: a completed order was baked in its slot), ≤ capacity.
  const live = new Map<string, number>();
  for (const r of rows) {
    if (r.status === "cancelled") continue;
    live.set(r.target_slot_id, (live.get(r.target_slot_id) ?? 0) + Number(r.slot_weight));
  }
  const slotProblems: string[] = [];
  const slotIds = new Set([...live.keys()]);
  for (const key of await keysMatching(redis, `slot:${kitchenId}:*`)) {
    if (!key.endsWith(":orders")) slotIds.add(key);
  }
  for (const slot of slotIds) {
    const booked = Number(await redis.get(slot) ?? 0);
    const expected = live.get(slot) ?? 0;
    if (booked !== expected) {
      slotProblems.push(`${slot}: Redis load ${booked}, live orders ${expected}`);
    }
    if (booked > capacity) slotProblems.push(`${slot}: load ${booked} above capacity ${capacity}`);
  }

  const visible = rows.filter((r) => r.visible_at.getTime() <= now.getTime() && ackedIds.has(r.id));
  const visibleNotOnKds = visible.filter((r) => !kdsSeen.has(r.id)).map((r) => r.id);

  return {
    acknowledged: ackedIds.size,
    inPostgres: [...ackedIds].filter((id) => byId.has(id)).length,
    lost,
    duplicated,
    wrongStatus,
    unexplained,
    walkedAwayRecorded,
    slotProblems,
    slotsChecked: slotIds.size,
    visibleNotOnKds,
    visibleChecked: visible.length,
  };
}
