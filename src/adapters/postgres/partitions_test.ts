import assert from "node:assert/strict";
import { ensurePartitions, listPartitions, partitionNameFor } from "./partitions.ts";
import { type Queryable, sqlState } from "./pool.ts";
import { withTestDatabase } from "./test_database.ts";
import { insertTestOrder } from "./test_orders.ts";

/** 00:00 UTC on the first day of the month `offset` months after the month of `at`. */
function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/**
 * When the migration that made the first partitions ran, by the database's clock (its now(), which
 * chose the months): the process's clock may differ, or be in another month by now.
 */
async function migratedAt(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ at: Date }>(
    "SELECT applied_at AS at FROM schema_migrations WHERE name = 'orders'",
  );
  return rows[0].at;
}

Deno.test("`partitionNameFor()` names the UTC month of an instant", () => {
  assert.equal(partitionNameFor(new Date("2026-11-30T23:59:59.999Z")), "orders_y2026m11");
  assert.equal(partitionNameFor(new Date("2026-12-01T00:00:00Z")), "orders_y2026m12");
  // 01:30 on 1 December in Moscow is still November in UTC.
  assert.equal(partitionNameFor(new Date("2026-12-01T01:30:00+03:00")), "orders_y2026m11");
});

Deno.test("migrations create partitions from last month through three months ahead, and no default one", async () => {
  await withTestDatabase(async ({ pool }) => {
    const now = await migratedAt(pool);
    const partitions = await listPartitions(pool);
    assert.deepEqual(
      partitions.map((p) => p.name),
      [-1, 0, 1, 2, 3].map((offset) => partitionNameFor(monthStart(now, offset))),
    );
    for (const [i, p] of partitions.entries()) {
      assert.equal(p.from.toISOString(), monthStart(now, i - 1).toISOString(), p.name);
      assert.equal(p.to.toISOString(), monthStart(now, i).toISOString(), p.name);
    }
    const { rows } = await pool.query<{ partdefid: number }>(
      "SELECT partdefid::int FROM pg_partitioned_table WHERE partrelid = 'orders'::regclass",
    );
    assert.equal(rows[0].partdefid, 0, "no default partition");
  });
});

Deno.test("an order dated next month lands in next month's partition, month boundaries in UTC", async () => {
  await withTestDatabase(async ({ pool }) => {
    const now = await migratedAt(pool);
    const next = monthStart(now, 1);
    const lastInstantBefore = new Date(next.getTime() - 1);
    const cases = [
      { createdAt: new Date(next.getTime() + 36 * 3600_000), want: partitionNameFor(next) },
      { createdAt: next, want: partitionNameFor(next) },
      { createdAt: lastInstantBefore, want: partitionNameFor(monthStart(now)) },
    ];
    // A session in another zone must not move the boundaries.
    const client = await pool.connect();
    try {
      await client.query("SET TimeZone = 'Pacific/Kiritimati'");
      for (const { createdAt, want } of cases) {
        const id = await insertTestOrder(client, { createdAt });
        const { rows } = await client.query<{ partition: string }>(
          "SELECT tableoid::regclass::text AS partition FROM orders WHERE id = $1",
          [id],
        );
        assert.deepEqual(rows, [{ partition: want }], createdAt.toISOString());
      }
      const listed = (await listPartitions(client)).find((p) => p.name === partitionNameFor(next));
      assert.equal(listed?.from.toISOString(), next.toISOString());
    } finally {
      client.release(true);
    }
  });
});

Deno.test("an order beyond every partition is refused loudly, not hidden", async () => {
  await withTestDatabase(async ({ pool }) => {
    const farAway = monthStart(await migratedAt(pool), 24);
    await assert.rejects(
      insertTestOrder(pool, { createdAt: farAway }),
      (error: unknown) =>
        sqlState(error) === "23514" && /no partition of relation "orders"/.test(String(error)),
    );
  });
});

Deno.test("`ensurePartitions()` creates what is missing, counts it, and is idempotent", async () => {
  await withTestDatabase(async ({ pool }) => {
    const now = await migratedAt(pool);
    assert.equal(await ensurePartitions(pool, now, 3), 0, "the migration made these already");
    const later = monthStart(now, 6);
    assert.equal(await ensurePartitions(pool, later, 2), 3);
    assert.equal(await ensurePartitions(pool, later, 2), 0);
    const names = (await listPartitions(pool)).map((p) => p.name);
    for (const offset of [6, 7, 8]) {
      assert.ok(names.includes(partitionNameFor(monthStart(now, offset))));
    }
    assert.ok(!names.includes(partitionNameFor(monthStart(now, 5))), "no gap filled uninvited");
    assert.ok(!names.includes(partitionNameFor(monthStart(now, 9))));
    // Partitions made later carry the parent's key and indexes.
    const { rows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_indexes WHERE tablename = $1",
      [partitionNameFor(later)],
    );
    assert.equal(Number(rows[0].n), 4);
    const id = await insertTestOrder(pool, { createdAt: new Date(later.getTime() + 1000) });
    assert.ok(id);
  });
});

Deno.test("`ensurePartitions()` called concurrently creates each partition once", async () => {
  await withTestDatabase(async ({ pool }) => {
    const from = monthStart(await migratedAt(pool), 10);
    const created = await Promise.all([1, 2, 3, 4].map(() => ensurePartitions(pool, from, 5)));
    assert.equal(created.reduce((a, b) => a + b, 0), 6);
    assert.equal((await listPartitions(pool)).length, 5 + 6);
  });
});

Deno.test("`ensurePartitions()` rejects a bad month count before touching the database", async () => {
  await withTestDatabase(async ({ pool }) => {
    await assert.rejects(ensurePartitions(pool, new Date(), -1), RangeError);
    await assert.rejects(ensurePartitions(pool, new Date(), 1.5), RangeError);
    await assert.rejects(ensurePartitions(pool, new Date(Number.NaN), 1), RangeError);
    // The SQL function guards itself too.
    await assert.rejects(
      pool.query("SELECT ensure_order_partitions(current_date, 0)"),
      (error: unknown) => sqlState(error) === "22023",
    );
  });
});
