/**
 * Applies the numbered SQL migrations in migrations/ (`NNN_name.sql`), in order, each in its own
 * transaction, recording each in `schema_migrations`.
 *
 * Why not a library: we looked on npm. node-pg-migrate (9.x) is built around migrations written
 * as JavaScript (plain SQL files need its `-- Up Migration` markers) and records applied names
 * without a checksum, so an edited, already-applied file goes unnoticed. postgres-migrations (5.x)
 * does fit this model (numbered SQL files, hashes, an advisory lock) but would be one more Node
 * dependency with its own table and naming rules for what is ~100 lines here. This runner needs
 * nothing but pg, and its behaviour (ordering, checksum refusal, concurrent runners) is tested in
 * migrate_test.ts.
 *
 * Rules:
 * - Files are applied in version order; a version is applied once, ever.
 * - Each file runs in one transaction with the row that records it: it applies entirely or not at
 *   all. (So a migration cannot use statements that refuse transactions, e.g. CREATE INDEX
 *   CONCURRENTLY.)
 * - An applied migration must never change: if its file's checksum (or name) differs from what
 *   was recorded, nothing is applied and MigrationChecksumError is thrown. Fix forward with a new
 *   file instead.
 * - Runners are serialised by a session advisory lock, so concurrent runners (several pods of a
 *   Job, a developer and CI) wait for each other and the later ones find nothing to do.
 * - An applied version with no file (the database is newer than this code, as during a rollback)
 *   is reported, not refused.
 */
import type pg from "pg";

/** The migration files shipped with this code. */
export const MIGRATIONS_DIR: URL = new URL("../../../migrations/", import.meta.url);

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly fileName: string;
  readonly sql: string;
  /** sha256 of the file's text (line endings normalised to \n), hex. */
  readonly checksum: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

export interface MigrateResult {
  /** Applied by this call, in order. */
  readonly applied: readonly AppliedMigration[];
  /** Versions that were already applied before this call and still match their files. */
  readonly alreadyApplied: readonly number[];
  /** Versions recorded in the database with no file here. */
  readonly unknown: readonly number[];
}

export interface MigrateOptions {
  /** Progress lines (one per applied migration). Default: silent. */
  readonly log?: (line: string) => void;
}

/** A migration file is misnamed or two files share a version. Nothing was applied. */
export class MigrationFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationFileError";
  }
}

export interface ChangedMigration {
  readonly version: number;
  readonly recordedName: string;
  readonly fileName: string;
  readonly recordedChecksum: string;
  readonly fileChecksum: string;
}

/** An already-applied migration's file was edited (or renamed). Nothing was applied. */
export class MigrationChecksumError extends Error {
  constructor(readonly changed: readonly ChangedMigration[]) {
    super(
      "refusing to migrate: applied migrations were changed since they ran " +
        changed.map((c) =>
          `(version ${c.version}: recorded ${c.recordedName} sha256 ${c.recordedChecksum}, ` +
          `file ${c.fileName} sha256 ${c.fileChecksum})`
        ).join(", ") +
        "; restore the original files and add a new migration instead",
    );
    this.name = "MigrationChecksumError";
  }
}

/** A migration's SQL failed; it was rolled back, as were none of the earlier ones. */
export class MigrationFailedError extends Error {
  constructor(readonly migration: Migration, cause: unknown) {
    super(
      `migration ${migration.fileName} failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = "MigrationFailedError";
  }
}

/** sha256 of `text` with CRLF normalised to LF, as lowercase hex. */
export async function checksum(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text.replace(/\r\n/g, "\n"));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads the `NNN_name.sql` files of `dir`, sorted by version. Other files (README.md) are ignored. */
export async function readMigrations(dir: string | URL): Promise<Migration[]> {
  const base = typeof dir === "string" ? dir.replace(/\/?$/, "/") : dir;
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const match = FILE_NAME.exec(entry.name);
    if (!match) {
      throw new MigrationFileError(
        `migration file ${entry.name} is not named NNN_name.sql (digits, underscore, [A-Za-z0-9_-])`,
      );
    }
    const path = typeof base === "string" ? base + entry.name : new URL(entry.name, base);
    const sql = await Deno.readTextFile(path);
    migrations.push({
      version: Number(match[1]),
      name: match[2],
      fileName: entry.name,
      sql,
      checksum: await checksum(sql),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationFileError(
        `migration files ${migrations[i - 1].fileName} and ${
          migrations[i].fileName
        } share version ${migrations[i].version}`,
      );
    }
  }
  return migrations;
}

/** Applies the pending migrations of `dir` (default: the project's migrations/) to the database of `pool`. */
export async function migrate(
  pool: pg.Pool,
  dir: string | URL = MIGRATIONS_DIR,
  opts: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(dir);
  const client = await pool.connect();
  let healthy = false;
  try {
    // A migration may legitimately run longer than the pool's statement timeout, and so may the
    // wait for another runner's lock. Session-level, undone by RESET below.
    await client.query("SET statement_timeout = 0");
    await client.query("SELECT pg_advisory_lock(hashtext('ovenline:migrate'))");
    try {
      const result = await migrateLocked(client, migrations, log);
      healthy = true;
      return result;
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('ovenline:migrate'))")
        .then(() => client.query("RESET statement_timeout"))
        .catch(() => healthy = false); // closing the session releases the lock anyway
    }
  } finally {
    client.release(!healthy);
  }
}

async function migrateLocked(
  client: pg.PoolClient,
  migrations: readonly Migration[],
  log: (line: string) => void,
): Promise<MigrateResult> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    int         PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<AppliedMigration>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  const recorded = new Map(rows.map((row) => [row.version, row]));
  const byVersion = new Map(migrations.map((m) => [m.version, m]));

  const changed: ChangedMigration[] = [];
  for (const row of rows) {
    const file = byVersion.get(row.version);
    if (file && (file.checksum !== row.checksum || file.name !== row.name)) {
      changed.push({
        version: row.version,
        recordedName: row.name,
        fileName: file.fileName,
        recordedChecksum: row.checksum,
        fileChecksum: file.checksum,
      });
    }
  }
  if (changed.length > 0) throw new MigrationChecksumError(changed);

  const unknown = rows.filter((row) => !byVersion.has(row.version)).map((row) => row.version);
  if (unknown.length > 0) {
    log(`database has migrations this code does not know: ${unknown.join(", ")}`);
  }

  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    await client.query("BEGIN");
    try {
      await client.query(migration.sql);
      await client.query(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [migration.version, migration.name, migration.checksum],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw new MigrationFailedError(migration, error);
    }
    applied.push({
      version: migration.version,
      name: migration.name,
      checksum: migration.checksum,
    });
    log(`applied ${migration.fileName}`);
  }
  return {
    applied,
    alreadyApplied: rows.filter((row) => byVersion.has(row.version)).map((row) => row.version),
    unknown,
  };
}
