/**
 * The chaos run: a steady load of orders (clients retrying with their
 * idempotency keys), kitchen tablets that reconnect, cooks moving some orders
 * on — while every part of the stack is SIGKILLed and restarted in turn.
 * Then it checks the promise: every acknowledged order is in PostgreSQL exactly
 * once with the right status, every slot's load is exact and within capacity,
 * and every order that became visible reached a KDS.
 */
import { testKitchen } from "../support/kitchens.ts";
import { TestStack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";
import { ALL_FAULTS, type FaultRecord, type FaultTarget, injectFault } from "./faults.ts";
import { ResumingKds } from "./kds_watch.ts";
import { OrderLoad } from "./order_load.ts";
import { type Verdict, verify } from "./verify.ts";
import { visibilityPlan } from "./visibility_plan.ts";

export interface ChaosOptions {
  readonly orders: number;
  readonly perSecond: number;
  readonly faults?: readonly FaultTarget[];
  /** How long each killed part stays down. */
  readonly downMs?: number;
  /** Every Nth customer walks away after a first failure (default 20: 5 %; 0: none). */
  readonly walkAwayEvery?: number;
  /** Share of acknowledged orders a cook moves to "preparing". */
  readonly statusChangeShare?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly verdict: Verdict;
  readonly faults: FaultRecord[];
  readonly retries: number;
  readonly abandoned: number;
  readonly walkedAway: number;
  readonly rejected: Record<string, number>;
  readonly statusChanges: number;
  readonly kdsReconnects: number;
  readonly unexpectedExits: string[];
  readonly seconds: number;
}

export function passed(report: ChaosReport): boolean {
  const v = report.verdict;
  return v.lost.length === 0 && v.duplicated.length === 0 && v.wrongStatus.length === 0 &&
    v.unexplained.length === 0 &&
    v.slotProblems.length === 0 && v.visibleNotOnKds.length === 0 && report.abandoned === 0 &&
    report.faults.every((f) => !f.error) && Object.keys(report.rejected).length === 0;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  // Slots of 5 minutes, 400 orders each: the load spreads over several slots, each filled to its
  // capacity. The first slot's orders show at once; the lead is chosen so that the second's
  // become visible while the run goes on, so promotion is under fire too.
  const slots = testKitchen({ slotMinutes: 5, capacity: 400, capacityUnit: "orders" });
  const visibility = visibilityPlan(slots, new Date(started), 10_000, 40_000);
  const kitchen = { ...slots, leadMinutes: visibility.leadMinutes };
  const stack = await TestStack.start("chaos", {
    kitchens: [kitchen],
    services: ["consumer", "intake", "promoter", "hub"],
    env: { RATE_LIMIT_ORDERS: "1000000", LOG_LEVEL: Deno.env.get("CHAOS_LOG_LEVEL") ?? "warn" },
  });
  const load = new OrderLoad(
    stack.newApi(),
    kitchen.id,
    options.walkAwayEvery ?? 20,
  );
  const kds = new ResumingKds(
    () => `ws://127.0.0.1:${stack.ports.hub}/ws/kds?kitchen=${kitchen.id}`,
    ["ovenline", `bearer.${stack.tokens.kitchen}`],
  );
  const expectedStatus = new Map<string, string>();
  const unexpectedExits: string[] = [];
  let statusChanges = 0;
  try {
    kds.start();
    const cooking = moveSomeOrders(
      stack,
      load,
      options.statusChangeShare ?? 0.2,
      expectedStatus,
      () => statusChanges++,
    );
    const loadDone = load.run(options.orders, options.perSecond, 120_000);

    const faults: FaultRecord[] = [];
    const runSeconds = options.orders / options.perSecond;
    const targets = options.faults ?? ALL_FAULTS;
    const gap = (runSeconds * 1000 * 0.8) / (targets.length + 1);
    for (const target of targets) {
      await new Promise((r) => setTimeout(r, gap));
      log(`fault: SIGKILL ${target}`);
      const record = await injectFault(stack, target, options.downMs ?? 1_500);
      faults.push(record);
      log(
        record.error
          ? `fault: ${target} FAILED to recover: ${record.error}`
          : `fault: ${target} back after ${record.recoveredAt! - record.killedAt} ms`,
      );
      // A service that died on its own meanwhile is a finding; restart it like Kubernetes would.
      for (const [name, service] of stack.services) {
        if (!service.running || !(await service.alive())) {
          unexpectedExits.push(`${name} after the ${target} fault`);
          await service.kill();
          await service.start();
        }
      }
    }
    await loadDone;
    cooking.stop();
    await cooking.done;
    log(`load done: ${load.acknowledged.length} acknowledged, ${load.retries} retries`);

    // Quiet down: every acknowledged order recorded, every requested status applied.
    await waitFor(
      "the record to catch up",
      async () => {
        const ids = load.acknowledged.map((a) => a.response.orderId);
        const { rows } = await stack.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND (status = 'preparing' OR NOT (id = ANY($2::uuid[])))`,
          [ids, [...expectedStatus.keys()]],
        );
        return Number(rows[0].n) === ids.length;
      },
      120_000,
      500,
    ).catch(() => log("warning: the record did not fully catch up in 120 s"));
    // Bookings of customers who walked away, held after uncertain sends or left mid-send by a
    // killed intake: the consumer's sweep settles them (a minute for an orphaned send, then the
    // topic must prove it never landed); until then a slot's load counts them.
    await waitFor(
      "held bookings settled",
      async () =>
        (await stack.redis.zcard("order:held")) === 0 &&
        (await stack.redis.zcard("order:sending")) === 0,
      150_000,
      500,
    ).catch(() => log("warning: bookings still held or sending after 150 s"));
    // The second slot's promotion is part of what is checked: a quick run waits for it.
    const untilPromoted = visibility.promotedBy.getTime() + 1_000 - Date.now();
    if (untilPromoted > 0) {
      log(`waiting ${Math.ceil(untilPromoted / 1000)} s for the second slot to become visible`);
      await new Promise((r) => setTimeout(r, untilPromoted));
    }
    const now = new Date();
    await waitFor(
      "tablets to see what is visible",
      async () => {
        const { rows } = await stack.pool.query<{ id: string }>(
          "SELECT id FROM orders WHERE kitchen_id = $1 AND visible_at <= $2",
          [kitchen.id, now],
        );
        return rows.every((r) => kds.seen.has(r.id));
      },
      20_000,
      250,
    ).catch(() => {});

    const verdict = await verify(
      stack.pool,
      stack.redis,
      kitchen.id,
      kitchen.capacity,
      load.acknowledged,
      load.walkedAway,
      expectedStatus,
      kds.seen,
      now,
    );
    return {
      verdict,
      faults,
      retries: load.retries,
      abandoned: load.abandoned,
      walkedAway: load.walkedAway.length,
      rejected: Object.fromEntries(load.rejected),
      statusChanges,
      kdsReconnects: kds.reconnects,
      unexpectedExits,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    kds.stop();
    load.close();
    await stack.close();
  }
}

/** Cooks tapping "preparing" on a share of the acknowledged orders, retrying through outages. */
function moveSomeOrders(
  stack: TestStack,
  load: OrderLoad,
  share: number,
  expected: Map<string, string>,
  onChange: () => void,
): { stop: () => void; done: Promise<void> } {
  let stopping = false;
  let next = 0;
  const done = (async () => {
    while (!stopping || next < load.acknowledged.length) {
      const batch = load.acknowledged.slice(next);
      next += batch.length;
      for (const a of batch) {
        if (Math.random() >= share) continue;
        expected.set(a.response.orderId, "preparing");
        await changeStatus(stack, a.response.orderId);
        onChange();
      }
      if (batch.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { stop: () => (stopping = true), done };
}

async function changeStatus(stack: TestStack, orderId: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      const res = await fetch(`${stack.hubUrl}/api/v1/erp/orders/${orderId}/status`, {
        method: "PUT",
        headers: { "content-type": "application/json", ...stack.authHeaders("kitchen") },
        body: JSON.stringify({ status: "preparing" }),
      });
      await res.body?.cancel();
      // 202 accepted; 409 = an earlier attempt already moved it (its answer was lost).
      if (res.status === 202 || res.status === 409) return;
    } catch {
      // hub down: retry
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`could not move ${orderId} to preparing`);
}
