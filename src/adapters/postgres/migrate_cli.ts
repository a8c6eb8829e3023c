/**
 * Migration command, for `deno task migrate` and the Kubernetes Job (Helm hook) that runs before
 * the services roll:
 *
 *   deno run -A src/adapters/postgres/migrate_cli.ts [DATABASE_URL] [--dir DIR]
 *
 * The URL comes from the first argument, else from DATABASE_URL. Exit status: 0 applied or
 * nothing to do, 1 failed, 2 usage.
 */
import { databaseUrlFromEnv } from "./config.ts";
import { migrate, MIGRATIONS_DIR } from "./migrate.ts";
import { createPool } from "./pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";

const USAGE = `usage: migrate_cli.ts [DATABASE_URL] [--dir DIR]
  DATABASE_URL  postgres://user:password@host:port/db (default: $DATABASE_URL)
  --dir DIR     migrations directory (default: the repository's migrations/)`;

export interface CliArgs {
  readonly url: string;
  readonly dir: string | URL;
}

/** Parses argv; returns a message instead when the arguments are unusable. */
export function parseArgs(
  args: readonly string[],
  envUrl: string | undefined,
): CliArgs | { readonly error: string } {
  let url: string | undefined;
  let dir: string | URL = MIGRATIONS_DIR;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return { error: "" };
    if (arg === "--dir") {
      const value = args[++i];
      if (!value) return { error: "--dir needs a directory" };
      dir = value;
    } else if (arg.startsWith("--dir=")) {
      dir = arg.slice("--dir=".length);
    } else if (arg.startsWith("-")) {
      return { error: `unknown option ${arg}` };
    } else if (url === undefined) {
      url = arg;
    } else {
      return { error: `unexpected argument ${arg}` };
    }
  }
  url ??= envUrl;
  if (!url) return { error: "no database URL: pass one or set DATABASE_URL" };
  if (!/^postgres(ql)?:\/\//.test(url)) return { error: "the URL must start with postgres://" };
  return { url, dir };
}

/** Without the password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, "$1:***@");
}

async function main(): Promise<number> {
  const parsed = parseArgs(Deno.args, databaseUrlFromEnv());
  if ("error" in parsed) {
    if (parsed.error) console.error(`migrate: ${parsed.error}`);
    console.error(USAGE);
    return 2;
  }
  const pool = createPool(parsed.url, {
    applicationName: "ovenline-migrate",
    max: DATABASE_CONNECTIONS.migrate.pool,
  });
  try {
    console.log(`migrate: ${redactUrl(parsed.url)}`);
    const result = await migrate(pool, parsed.dir, {
      log: (line) => console.log(`migrate: ${line}`),
    });
    console.log(
      `migrate: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
    return 0;
  } catch (error) {
    console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await pool.end();
  }
}

if (import.meta.main) Deno.exit(await main());
