import assert from "node:assert/strict";
import pg from "pg";
import { createTestDatabase, testServerUrl, withTestDatabase } from "./test_database.ts";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rows.length === 1;
  } finally {
    await client.end();
  }
}

Deno.test("`createTestDatabase()` makes a new migrated database and `drop()` removes it", async () => {
  const db = await createTestDatabase();
  try {
    assert.match(db.name, /^ovenline_t_[0-9a-f]{16}$/);
    assert.equal(new URL(db.url).pathname, `/${db.name}`);
    assert.ok(await databaseExists(db.name));
    const { rows } = await db.pool.query<{ db: string; n: string }>(
      "SELECT current_database() AS db, (SELECT count(*) FROM schema_migrations) AS n",
    );
    assert.equal(rows[0].db, db.name);
    assert.ok(Number(rows[0].n) >= 5);
  } finally {
    await db.drop();
    await db.drop(); // twice is harmless
  }
  assert.equal(await databaseExists(db.name), false);
});

Deno.test("`withTestDatabase()` drops the database even when the test body throws", async () => {
  let name = "";
  await assert.rejects(
    withTestDatabase((db) => {
      name = db.name;
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.ok(name);
  assert.equal(await databaseExists(name), false);
});

Deno.test("`withTestDatabase()` gives two tests two different databases", async () => {
  await withTestDatabase(async (a) => {
    await withTestDatabase(async (b) => {
      assert.notEqual(a.name, b.name);
      await a.pool.query("UPDATE pizzas SET price_kopecks = 1 WHERE code = 'classic'");
      const { rows } = await b.pool.query<{ price: string }>(
        "SELECT price_kopecks AS price FROM pizzas WHERE code = 'classic'",
      );
      assert.equal(rows[0].price, "96200");
    });
  });
});
