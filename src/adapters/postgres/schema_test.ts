/** The order tables of migrations/003_orders.sql: exactly-once keys, constraints, history. */
import assert from "node:assert/strict";
import { sqlState } from "./pool.ts";
import { type TestDatabase, withTestDatabase } from "./test_database.ts";
import { insertTestOrder, orderInsert } from "./test_orders.ts";

const isState = (state: string) => (error: unknown) => sqlState(error) === state;

async function rowsFor(db: TestDatabase, id: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM orders WHERE id = $1",
    [id],
  );
  return Number(rows[0].n);
}

/** A test body run against its own fresh, migrated database. */
function inDatabase(fn: (db: TestDatabase) => Promise<void>): () => Promise<void> {
  return () => withTestDatabase(fn);
}

Deno.test(
  "orders: a second row with the same (id, created_at) conflicts on the primary key",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const id = await insertTestOrder(db.pool, { createdAt });
    const { sql, params } = orderInsert({ id, createdAt });
    await assert.rejects(db.pool.query(sql, params), isState("23505"));
    assert.equal(await rowsFor(db, id), 1);
  }),
);

Deno.test(
  "orders: INSERT ... ON CONFLICT (id, created_at) DO NOTHING works on the partitioned table",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const id = crypto.randomUUID();
    const { sql, params } = orderInsert({ id, createdAt });
    await db.pool.query("INSERT INTO order_ids (id, created_at) VALUES ($1, $2)", [id, createdAt]);
    const first = await db.pool.query(`${sql} ON CONFLICT (id, created_at) DO NOTHING`, params);
    const replay = await db.pool.query(`${sql} ON CONFLICT (id, created_at) DO NOTHING`, params);
    assert.equal(first.rowCount, 1);
    assert.equal(replay.rowCount, 0, "the replay changed nothing");
    assert.equal(await rowsFor(db, id), 1);
  }),
);

Deno.test(
  "orders: ON CONFLICT (id) alone is impossible on the partitioned table (why the key is (id, created_at))",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const { sql, params } = orderInsert({ createdAt });
    // 42P10: there is no unique or exclusion constraint matching the ON CONFLICT specification
    await assert.rejects(
      db.pool.query(`${sql} ON CONFLICT (id) DO NOTHING`, params),
      isState("42P10"),
    );
  }),
);

Deno.test(
  "order_ids: the same id with another created_at is refused, so an order is recorded once",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const id = await insertTestOrder(db.pool, { createdAt });
    const retriedAt = new Date(createdAt.getTime() + 1000);

    // The consumer's first step for a retry that carries another created_at: nothing is registered...
    const registered = await db.pool.query(
      "INSERT INTO order_ids (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id",
      [id, retriedAt],
    );
    assert.equal(registered.rowCount, 0);
    // ...and even a writer that skipped that step cannot add the second row: the foreign key holds.
    const { sql, params } = orderInsert({ id, createdAt: retriedAt });
    await assert.rejects(
      db.pool.query(`${sql} ON CONFLICT (id, created_at) DO NOTHING`, params),
      isState("23503"),
    );
    // Nor can an order exist without its id registered.
    const orphan = orderInsert({ createdAt });
    await assert.rejects(db.pool.query(orphan.sql, orphan.params), isState("23503"));
    assert.equal(await rowsFor(db, id), 1);
  }),
);

Deno.test(
  "orders: CHECK constraints refuse non-positive money, unknown statuses and units",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const cases: [string, string][] = [
      ["total_price_kopecks", "0"],
      ["items_count", "0"],
      ["slot_weight", "-5"],
      ["status", "'baking'"],
      ["capacity_unit", "'grams'"],
      ["items", "'[]'::jsonb"],
    ];
    for (const [column, value] of cases) {
      const id = await insertTestOrder(db.pool, { createdAt });
      await assert.rejects(
        db.pool.query(`UPDATE orders SET ${column} = ${value} WHERE id = $1`, [id]),
        isState("23514"),
        column,
      );
    }
  }),
);

Deno.test(
  "orders: personal data may be NULL only once the order is anonymised",
  inDatabase(async (db) => {
    const id = await insertTestOrder(db.pool, { createdAt: new Date(), status: "completed" });
    const wipe = "customer_first_name = NULL, customer_last_name = NULL, customer_phone = NULL, " +
      "delivery_address = NULL";
    await assert.rejects(
      db.pool.query(`UPDATE orders SET ${wipe} WHERE id = $1`, [id]),
      isState("23514"),
    );
    const done = await db.pool.query(
      `UPDATE orders SET ${wipe}, anonymized_at = now() WHERE id = $1`,
      [id],
    );
    assert.equal(done.rowCount, 1);
  }),
);

Deno.test(
  "order_status_history: an event is recorded once; the history reads in order",
  inDatabase(async (db) => {
    const createdAt = new Date();
    const id = await insertTestOrder(db.pool, { createdAt });
    const insert = `INSERT INTO order_status_history
      (event_id, order_id, order_created_at, from_status, to_status, actor, occurred_at)
    VALUES ($1, $2, $3, $4, $5, 'cook', $6) ON CONFLICT (event_id) DO NOTHING`;
    const placed = crypto.randomUUID();
    const started = crypto.randomUUID();
    const t0 = createdAt.getTime();
    assert.equal(
      (await db.pool.query(insert, [placed, id, createdAt, null, "pending", new Date(t0)]))
        .rowCount,
      1,
    );
    assert.equal(
      (await db.pool.query(insert, [
        started,
        id,
        createdAt,
        "pending",
        "preparing",
        new Date(t0 + 1),
      ]))
        .rowCount,
      1,
    );
    assert.equal(
      (await db.pool.query(insert, [
        started,
        id,
        createdAt,
        "pending",
        "preparing",
        new Date(t0 + 1),
      ]))
        .rowCount,
      0,
      "a redelivered event adds nothing",
    );
    await assert.rejects(
      db.pool.query(insert, [crypto.randomUUID(), id, createdAt, "cooking", "cooking", new Date()]),
      isState("23514"),
    );
    await assert.rejects(
      db.pool.query(insert, [
        crypto.randomUUID(),
        crypto.randomUUID(),
        createdAt,
        null,
        "pending",
        new Date(),
      ]),
      isState("23503"),
      "history of an unknown order",
    );
    const { rows } = await db.pool.query<{ to_status: string }>(
      "SELECT to_status FROM order_status_history WHERE order_id = $1 ORDER BY occurred_at",
      [id],
    );
    assert.deepEqual(rows.map((r) => r.to_status), ["pending", "preparing"]);
  }),
);

Deno.test(
  "orders: the indexes the readers rely on exist",
  inDatabase(async (db) => {
    const { rows } = await db.pool.query<{ def: string }>(
      "SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'orders'::regclass",
    );
    const defs = rows.map((r) => r.def.replace(/^.* USING btree /, "")).sort();
    assert.deepEqual(defs, [
      "(id, created_at)",
      "(kitchen_id, business_date)",
      "(kitchen_id, slot_start)",
      "(status, created_at)",
    ]);
  }),
);
