/**
 * Test helper: a fresh, migrated database per test (or test file), dropped afterwards, so tests
 * never see each other's rows and can run in parallel against one server.
 *
 * The server comes from DATABASE_URL (scripts/infra/env.sh sets it); its role needs CREATEDB.
 * Databases are named ovenline_t_<random>.
 */
import pg from "pg";
import { databaseUrlFromEnv } from "./config.ts";
import { migrate, MIGRATIONS_DIR } from "./migrate.ts";
import { createPool, type PoolOptions } from "./pool.ts";

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** A pool on the new database (closed by drop()). */
  readonly pool: pg.Pool;
  /** Closes the pool and drops the database; safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the project's migrations (default true). */
  readonly migrate?: boolean;
  readonly pool?: PoolOptions;
}

/** The server URL for tests; throws with instructions when DATABASE_URL is unset. */
export function testServerUrl(): string {
  const url = databaseUrlFromEnv();
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set: run ./dev up, then " +
        "source <(sed 's/^/export /' .infra/env) (this checkout's connection settings)",
    );
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: "ovenline-test" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates (and by default migrates) a new database; the caller must `drop()` it. */
export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `ovenline_t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = withDatabase(serverUrl, name);
  const pool = createPool(url, { applicationName: "ovenline-test", ...opts.pool });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await pool.end();
    await admin(
      serverUrl,
      (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  };
  try {
    if (opts.migrate ?? true) await migrate(pool, MIGRATIONS_DIR);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url, name, pool, drop };
}

/** Runs `fn` with a fresh migrated database and drops it afterwards, whether `fn` failed or not. */
export async function withTestDatabase<T>(
  fn: (db: TestDatabase) => Promise<T>,
  opts: TestDatabaseOptions = {},
): Promise<T> {
  const db = await createTestDatabase(opts);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}
