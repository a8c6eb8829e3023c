/**
 * The one place in the PostgreSQL adapter that reads the environment: for the migration CLI and
 * for tests. Services pass their URL in from their own config.ts.
 */

import { databaseUrl } from "../../config/tls_ca.ts";

/**
 * DATABASE_URL, e.g. postgres://ovenline:ovenline@127.0.0.1:5432/ovenline (verifying the server
 * against DATABASE_TLS_CA_FILE when that is set, as the services do); undefined when unset.
 */
export function databaseUrlFromEnv(): string | undefined {
  const env = Deno.env.toObject();
  return env.DATABASE_URL?.trim() ? databaseUrl(env) : undefined;
}
