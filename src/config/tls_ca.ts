/**
 * Private certificate authorities for the TLS connections to PostgreSQL and Redis. Without one,
 * Deno trusts only the public CAs it bundles (Mozilla's), not the image's system store: a server
 * whose certificate comes from a private CA needs its CA file named here (the chart mounts it
 * from a Secret).
 */
import { ConfigError, type Env, optionalText, text } from "./env.ts";

function readCa(name: string, path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new ConfigError(`${name} ${path} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * DATABASE_URL; with DATABASE_TLS_CA_FILE, made to verify the server's certificate and host name
 * against that CA (sslmode=verify-full, sslrootcert=the file), whatever sslmode it named.
 */
export function databaseUrl(env: Env): string {
  const url = text(env, "DATABASE_URL");
  const caFile = optionalText(env, "DATABASE_TLS_CA_FILE");
  if (!caFile) return url;
  readCa("DATABASE_TLS_CA_FILE", caFile);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("DATABASE_URL is not a URL (postgres://user:password@host:port/db)");
  }
  const mode = parsed.searchParams.get("sslmode");
  if (mode === "disable" || mode === "no-verify") {
    // A CA with TLS off, or unchecked, would silently not be used.
    throw new ConfigError(`DATABASE_TLS_CA_FILE is set but DATABASE_URL says sslmode=${mode}`);
  }
  parsed.searchParams.set("sslmode", "verify-full");
  parsed.searchParams.set("sslrootcert", caFile);
  return parsed.toString();
}

/** The PEM of REDIS_TLS_CA_FILE (for a rediss:// REDIS_URL), or undefined. */
export function redisTlsCa(env: Env): string | undefined {
  const caFile = optionalText(env, "REDIS_TLS_CA_FILE");
  if (!caFile) return undefined;
  if (!text(env, "REDIS_URL").startsWith("rediss://")) {
    // A CA without TLS would silently connect in plaintext.
    throw new ConfigError("REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss://");
  }
  return readCa("REDIS_TLS_CA_FILE", caFile);
}
