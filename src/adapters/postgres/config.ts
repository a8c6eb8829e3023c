/**
 * The one place in the PostgreSQL adapter that reads the environment: for the migration CLI and
 * for tests. Services pass their URL in from their own config.ts.
 */

/** DATABASE_URL, e.g. postgres://ovenline:ovenline@127.0.0.1:5432/ovenline; undefined when unset. */
export function databaseUrlFromEnv(): string | undefined {
  const url = Deno.env.get("DATABASE_URL")?.trim();
  return url ? url : undefined;
}
