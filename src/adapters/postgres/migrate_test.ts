import assert from "node:assert/strict";
import {
  checksum,
  migrate,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationFileError,
  MIGRATIONS_DIR,
  readMigrations,
} from "./migrate.ts";
import { createPool, type Pool } from "./pool.ts";
import { withTestDatabase } from "./test_database.ts";

async function tempMigrations(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ovenline_migrations_" });
  for (const [name, sql] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, sql);
  return dir;
}

async function tableExists(pool: Pool, name: string): Promise<boolean> {
  const { rows } = await pool.query<{ exists: boolean }>(
    "SELECT to_regclass($1) IS NOT NULL AS exists",
    [name],
  );
  return rows[0].exists;
}

async function recordedVersions(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>(
    "SELECT version FROM schema_migrations ORDER BY version",
  );
  return rows.map((r) => r.version);
}

Deno.test("`readMigrations()` lists the project's files in version order with distinct versions", async () => {
  const migrations = await readMigrations(MIGRATIONS_DIR);
  assert.ok(migrations.length >= 5);
  const versions = migrations.map((m) => m.version);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  assert.equal(new Set(versions).size, versions.length);
  assert.deepEqual(migrations.slice(0, 5).map((m) => m.fileName), [
    "001_menu.sql",
    "002_kitchens.sql",
    "003_orders.sql",
    "004_seed_menu.sql",
    "005_seed_default_kitchen.sql",
  ]);
  for (const m of migrations) assert.match(m.checksum, /^[0-9a-f]{64}$/);
});

Deno.test("`readMigrations()` refuses a misnamed .sql file and two files with one version", async () => {
  const misnamed = await tempMigrations({ "001_a.sql": "", "add column.sql": "" });
  const twins = await tempMigrations({ "001_a.sql": "", "1_b.sql": "", "README.md": "x" });
  try {
    await assert.rejects(readMigrations(misnamed), MigrationFileError);
    await assert.rejects(readMigrations(twins), /share version 1/);
  } finally {
    await Deno.remove(misnamed, { recursive: true });
    await Deno.remove(twins, { recursive: true });
  }
});

Deno.test("`checksum()` ignores CRLF versus LF and nothing else", async () => {
  assert.equal(await checksum("a;\r\nb;\r\n"), await checksum("a;\nb;\n"));
  assert.notEqual(await checksum("a;\nb;\n"), await checksum("a;\nb; \n"));
});

Deno.test("`migrate()` applies every project migration to an empty database, and a second run is a no-op", async () => {
  await withTestDatabase(async ({ pool }) => {
    const files = await readMigrations(MIGRATIONS_DIR);
    const first = await migrate(pool);
    assert.deepEqual(first.applied.map((m) => m.version), files.map((m) => m.version));
    assert.deepEqual(first.alreadyApplied, []);
    for (const table of ["pizzas", "pizza_ingredients", "extras", "kitchens", "orders"]) {
      assert.ok(await tableExists(pool, table), table);
    }
    for (const table of ["order_ids", "order_status_history", "schema_migrations"]) {
      assert.ok(await tableExists(pool, table), table);
    }
    const { rows } = await pool.query<{ name: string; checksum: string }>(
      "SELECT name, checksum FROM schema_migrations ORDER BY version",
    );
    assert.deepEqual(rows, files.map((m) => ({ name: m.name, checksum: m.checksum })));

    const counts = () =>
      pool.query("SELECT (SELECT count(*) FROM pizzas) p, (SELECT count(*) FROM kitchens) k");
    const before = (await counts()).rows[0];
    const second = await migrate(pool);
    assert.deepEqual(second.applied, []);
    assert.deepEqual(second.alreadyApplied, files.map((m) => m.version));
    assert.deepEqual((await counts()).rows[0], before);
  }, { migrate: false });
});

Deno.test("`migrate()` refuses to run when an applied migration's file changed, applying nothing", async () => {
  const dir = await tempMigrations({ "001_first.sql": "CREATE TABLE first (n int);" });
  try {
    await withTestDatabase(async ({ pool }) => {
      await migrate(pool, dir);
      await Deno.writeTextFile(`${dir}/001_first.sql`, "CREATE TABLE first (n bigint);");
      await Deno.writeTextFile(`${dir}/002_second.sql`, "CREATE TABLE second (n int);");
      await assert.rejects(
        migrate(pool, dir),
        (error: unknown) =>
          error instanceof MigrationChecksumError && error.changed.length === 1 &&
          error.changed[0].version === 1 && /changed/.test(error.message),
      );
      assert.equal(await tableExists(pool, "second"), false);
      assert.deepEqual(await recordedVersions(pool), [1]);
    }, { migrate: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`migrate()` refuses a renamed applied migration too", async () => {
  const dir = await tempMigrations({ "001_first.sql": "SELECT 1;" });
  try {
    await withTestDatabase(async ({ pool }) => {
      await migrate(pool, dir);
      await Deno.rename(`${dir}/001_first.sql`, `${dir}/001_renamed.sql`);
      await assert.rejects(migrate(pool, dir), MigrationChecksumError);
    }, { migrate: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`migrate()` rolls a failing migration back entirely and keeps the ones before it", async () => {
  const dir = await tempMigrations({
    "001_ok.sql": "CREATE TABLE ok (n int);",
    "002_broken.sql": "CREATE TABLE half (n int);\nSELECT no_such_function();",
    "003_later.sql": "CREATE TABLE later (n int);",
  });
  try {
    await withTestDatabase(async ({ pool }) => {
      await assert.rejects(
        migrate(pool, dir),
        (error: unknown) =>
          error instanceof MigrationFailedError && error.migration.version === 2 &&
          /002_broken\.sql/.test(error.message),
      );
      assert.deepEqual(await recordedVersions(pool), [1]);
      assert.equal(await tableExists(pool, "ok"), true);
      assert.equal(await tableExists(pool, "half"), false);
      assert.equal(await tableExists(pool, "later"), false);
      // Fixed forward, the run continues where it stopped.
      await Deno.writeTextFile(`${dir}/002_broken.sql`, "CREATE TABLE half (n int);");
      const result = await migrate(pool, dir);
      assert.deepEqual(result.applied.map((m) => m.version), [2, 3]);
    }, { migrate: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`migrate()` reports, but tolerates, applied versions it has no file for", async () => {
  const dir = await tempMigrations({ "001_a.sql": "SELECT 1;", "002_b.sql": "SELECT 2;" });
  const older = await tempMigrations({ "001_a.sql": "SELECT 1;" });
  try {
    await withTestDatabase(async ({ pool }) => {
      await migrate(pool, dir);
      const lines: string[] = [];
      const result = await migrate(pool, older, { log: (line) => lines.push(line) });
      assert.deepEqual(result.unknown, [2]);
      assert.deepEqual(result.applied, []);
      assert.match(lines.join("\n"), /does not know: 2/);
    }, { migrate: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(older, { recursive: true });
  }
});

Deno.test("`migrate()` called concurrently from two pools applies each migration once and neither fails", async () => {
  await withTestDatabase(async (db) => {
    const other = createPool(db.url);
    try {
      const files = await readMigrations(MIGRATIONS_DIR);
      const results = await Promise.all([
        migrate(db.pool),
        migrate(other),
        migrate(db.pool),
      ]);
      const appliedCounts = results.map((r) => r.applied.length).sort((a, b) => a - b);
      assert.deepEqual(appliedCounts, [0, 0, files.length]);
      assert.deepEqual(await recordedVersions(db.pool), files.map((m) => m.version));
      // The lock was released: the pool's connections can take it again at once.
      const { rows } = await db.pool.query<{ got: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('ovenline:migrate')) AS got",
      );
      assert.equal(rows[0].got, true);
    } finally {
      await other.end();
    }
  }, { migrate: false });
});

Deno.test("`migrate()` is not cut short by the pool's statement timeout", async () => {
  const dir = await tempMigrations({ "001_slow.sql": "SELECT pg_sleep(0.5);" });
  try {
    await withTestDatabase(async (db) => {
      const pool = createPool(db.url, { statementTimeoutMillis: 100 });
      try {
        const result = await migrate(pool, dir);
        assert.equal(result.applied.length, 1);
        // The session's own timeout is back afterwards.
        await assert.rejects(pool.query("SELECT pg_sleep(0.5)"), /statement timeout/);
      } finally {
        await pool.end();
      }
    }, { migrate: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
