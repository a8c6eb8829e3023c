/** PostgreSQL connection pool and a transaction helper that retries serialization failures. */
import pg from "pg";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** What a repository function needs: a pool, or a client inside a caller's transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export interface PoolOptions {
  /** Shown in pg_stat_activity; name the service ("intake", "consumer", ...). */
  readonly applicationName?: string;
  /** Most connections this pool opens. Default 10. */
  readonly max?: number;
  /** Close a connection idle this long. Default 30 s. */
  readonly idleTimeoutMillis?: number;
  /** Give up opening a connection after this long. Default 5 s. */
  readonly connectionTimeoutMillis?: number;
  /** Server-side limit per statement; 0 disables it. Default 10 s. */
  readonly statementTimeoutMillis?: number;
  /** Server-side limit on a session idling inside a transaction; 0 disables it. Default 60 s. */
  readonly idleInTransactionTimeoutMillis?: number;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped).
   * The pool discards that connection and opens a new one on demand; without a listener the
   * error would be unhandled and end the process. Default: ignore.
   */
  readonly onIdleError?: (error: Error) => void;
}

/** A pg.Pool with the project's defaults: 10 connections, 10 s statement timeout, application_name. */
export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5_000,
    // Sent in the startup packet, so they hold for every session the pool opens.
    statement_timeout: opts.statementTimeoutMillis ?? 10_000,
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMillis ?? 60_000,
    application_name: opts.applicationName ?? "ovenline",
  });
  pool.on("error", opts.onIdleError ?? (() => {}));
  return pool;
}

export type IsolationLevel = "serializable" | "repeatable read" | "read committed";

export interface RetryOptions {
  /** Tries in all, the first one included. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff before the second try; doubles each time. Default 20 ms. */
  readonly baseDelayMillis?: number;
  /** Upper bound of one backoff. Default 1 s. */
  readonly maxDelayMillis?: number;
  /** Injected for tests. */
  readonly sleep?: (millis: number) => Promise<void>;
  /** Injected for tests; returns [0, 1). */
  readonly random?: () => number;
  /** Told about each failed try that will be retried (for logs and metrics). */
  readonly onRetry?: (error: unknown, attempt: number, delayMillis: number) => void;
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/** The SQLSTATE of a pg error, or undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Whether the transaction that failed with `error` should be run again. */
export function isRetryable(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

/**
 * Backoff before try `attempt + 1` after `attempt` failed (attempt counts from 1): exponential,
 * capped, with "full jitter" (uniform in [0, cap]) so that transactions that collided once do not
 * collide again in lockstep.
 */
export function backoffMillis(
  attempt: number,
  baseDelayMillis: number,
  maxDelayMillis: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMillis, baseDelayMillis * 2 ** (attempt - 1));
  return Math.floor(random() * (cap + 1));
}

const sleepMillis = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/**
 * Runs `fn` in a transaction at `isolation` on one pooled connection and commits it. When the
 * transaction fails with a serialization failure (40001) or a deadlock (40P01) — during `fn` or at
 * COMMIT — it is rolled back and run again from the start after a jittered exponential backoff, up
 * to `maxAttempts` tries in all; then the last error is thrown. Any other error is rolled back and
 * thrown at once. `fn` may therefore run more than once and must not have effects outside the
 * transaction.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  isolation: IsolationLevel,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const sleep = opts.sleep ?? sleepMillis;
  const random = opts.random ?? Math.random;
  for (let attempt = 1;; attempt++) {
    try {
      return await runOnce(pool, isolation, fn);
    } catch (error) {
      if (!isRetryable(error) || attempt >= maxAttempts) throw error;
      const delay = backoffMillis(
        attempt,
        opts.baseDelayMillis ?? 20,
        opts.maxDelayMillis ?? 1_000,
        random,
      );
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

const BEGIN: Readonly<Record<IsolationLevel, string>> = {
  "serializable": "BEGIN ISOLATION LEVEL SERIALIZABLE",
  "repeatable read": "BEGIN ISOLATION LEVEL REPEATABLE READ",
  "read committed": "BEGIN ISOLATION LEVEL READ COMMITTED",
};

async function runOnce<T>(
  pool: pg.Pool,
  isolation: IsolationLevel,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const begin = BEGIN[isolation];
  if (begin === undefined) throw new TypeError(`unknown isolation level ${String(isolation)}`);
  const client = await pool.connect();
  // Destroy rather than reuse the connection unless it is known to be idle and healthy again.
  let reusable = false;
  try {
    await client.query(begin);
    let result: T;
    try {
      result = await fn(client);
      await client.query("COMMIT");
    } catch (error) {
      // After a failed COMMIT the transaction is already over; ROLLBACK then only warns.
      await client.query("ROLLBACK").then(() => reusable = true, () => {});
      throw error;
    }
    reusable = true;
    return result;
  } finally {
    client.release(!reusable);
  }
}
