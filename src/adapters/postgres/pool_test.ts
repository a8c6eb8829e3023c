import assert from "node:assert/strict";
import type pg from "pg";
import { backoffMillis, createPool, isRetryable, sqlState, withTransaction } from "./pool.ts";
import { withTestDatabase } from "./test_database.ts";

/** Resolves every waiter once `parties` of them are waiting. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return () => {
    if (++waiting === parties) open();
    return opened;
  };
}

const noSleep = () => Promise.resolve();

Deno.test("`backoffMillis()` doubles its cap per attempt up to the maximum, jittered below it", () => {
  assert.equal(backoffMillis(1, 20, 1000, () => 0.999999), 20);
  assert.equal(backoffMillis(2, 20, 1000, () => 0.999999), 40);
  assert.equal(backoffMillis(3, 20, 1000, () => 0.999999), 80);
  assert.equal(backoffMillis(10, 20, 1000, () => 0.999999), 1000);
  assert.equal(backoffMillis(4, 20, 1000, () => 0), 0);
  assert.equal(backoffMillis(4, 20, 1000, () => 0.5), 80);
});

Deno.test("`isRetryable()` is true for serialization failures and deadlocks only", () => {
  assert.equal(isRetryable({ code: "40001" }), true);
  assert.equal(isRetryable({ code: "40P01" }), true);
  assert.equal(isRetryable({ code: "23505" }), false);
  assert.equal(isRetryable(new Error("40001")), false);
  assert.equal(isRetryable(undefined), false);
  assert.equal(sqlState({ code: "22012" }), "22012");
  assert.equal(sqlState("x"), undefined);
});

Deno.test("`createPool()` sets application_name and a 10 s statement_timeout by default", async () => {
  await withTestDatabase(async (db) => {
    const pool = createPool(db.url, { applicationName: "pool-test" });
    try {
      const { rows } = await pool.query<{ app: string; timeout: string }>(
        "SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout",
      );
      assert.deepEqual(rows[0], { app: "pool-test", timeout: "10s" });
      assert.equal(pool.options.max, 10);
    } finally {
      await pool.end();
    }
  }, { migrate: false });
});

Deno.test("`createPool()` statement timeout cancels a statement that runs too long", async () => {
  await withTestDatabase(async (db) => {
    const pool = createPool(db.url, { statementTimeoutMillis: 200 });
    try {
      await assert.rejects(
        pool.query("SELECT pg_sleep(5)"),
        (error: unknown) => sqlState(error) === "57014", // query_canceled
      );
    } finally {
      await pool.end();
    }
  }, { migrate: false });
});

Deno.test("`withTransaction()` retries the loser of a real serialization conflict and it then succeeds", async () => {
  await withTestDatabase(async ({ pool }) => {
    await pool.query("CREATE TABLE tickets (n int NOT NULL)");
    const bothHaveRead = barrier(2);
    const retried: string[] = [];
    let runs = 0;

    // Each transaction takes the next number after the highest it sees: a write-skew that
    // SERIALIZABLE must refuse when both read before either writes.
    const takeNext = (attempts: { n: number }) => (tx: pg.PoolClient) =>
      (async () => {
        runs++;
        attempts.n++;
        const { rows } = await tx.query<{ max: number }>(
          "SELECT coalesce(max(n), 0) AS max FROM tickets",
        );
        if (attempts.n === 1) await bothHaveRead();
        await tx.query("INSERT INTO tickets (n) VALUES ($1)", [rows[0].max + 1]);
        return rows[0].max + 1;
      })();

    const a = { n: 0 };
    const b = { n: 0 };
    const opts = {
      sleep: noSleep,
      onRetry: (error: unknown) => retried.push(sqlState(error) ?? "?"),
    };
    const taken = await Promise.all([
      withTransaction(pool, "serializable", takeNext(a), opts),
      withTransaction(pool, "serializable", takeNext(b), opts),
    ]);

    // The loser's retry may meet the winner still committing and fail once more; every failure is a
    // serialization failure, and each is retried until both have taken a number.
    assert.ok(retried.length >= 1, "at least one serialization failure");
    assert.deepEqual(retried.filter((s) => s !== "40001"), [], "only serialization failures");
    assert.equal(runs, 2 + retried.length);
    assert.equal(Math.min(a.n, b.n), 1, "one transaction ran once");
    assert.deepEqual([...taken].sort(), [1, 2]);
    const { rows } = await pool.query<{ n: number }>("SELECT n FROM tickets ORDER BY n");
    assert.deepEqual(rows.map((r) => r.n), [1, 2]);
  });
});

Deno.test("`withTransaction()` retries the victim of a real deadlock (40P01)", async () => {
  await withTestDatabase(async ({ pool }) => {
    await pool.query("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)");
    await pool.query("INSERT INTO accounts VALUES (1, 100), (2, 100)");
    const bothLocked = barrier(2);
    const retried: string[] = [];
    const transfer = (first: number, second: number) => {
      let attempt = 0;
      return async (tx: pg.PoolClient) => {
        attempt++;
        await tx.query("UPDATE accounts SET balance = balance - 10 WHERE id = $1", [first]);
        if (attempt === 1) await bothLocked();
        await tx.query("UPDATE accounts SET balance = balance + 10 WHERE id = $1", [second]);
      };
    };
    const opts = {
      sleep: noSleep,
      onRetry: (error: unknown) => retried.push(sqlState(error) ?? "?"),
    };
    // Opposite lock order: PostgreSQL detects the cycle after deadlock_timeout (1 s).
    await Promise.all([
      withTransaction(pool, "read committed", transfer(1, 2), opts),
      withTransaction(pool, "read committed", transfer(2, 1), opts),
    ]);
    assert.deepEqual(retried, ["40P01"]);
    const { rows } = await pool.query<{ balance: number }>(
      "SELECT balance FROM accounts ORDER BY id",
    );
    assert.deepEqual(rows.map((r) => r.balance), [100, 100], "both transfers applied once");
  });
});

Deno.test("`withTransaction()` rethrows a non-retryable error at once and rolls back", async () => {
  await withTestDatabase(async ({ pool }) => {
    await pool.query("CREATE TABLE t (n int)");
    let calls = 0;
    await assert.rejects(
      withTransaction(pool, "serializable", async (tx) => {
        calls++;
        await tx.query("INSERT INTO t VALUES (1)");
        await tx.query("SELECT 1 / 0");
      }, { sleep: noSleep }),
      (error: unknown) => sqlState(error) === "22012", // division_by_zero
    );
    assert.equal(calls, 1);
    const { rows } = await pool.query("SELECT * FROM t");
    assert.equal(rows.length, 0, "the insert was rolled back");
  });
});

Deno.test("`withTransaction()` gives up after 5 tries, rolling each back, with growing backoff", async () => {
  await withTestDatabase(async ({ pool }) => {
    await pool.query("CREATE TABLE t (n int)");
    let calls = 0;
    const delays: number[] = [];
    const failure = Object.assign(new Error("could not serialize access"), { code: "40001" });
    await assert.rejects(
      withTransaction(pool, "serializable", async (tx) => {
        calls++;
        await tx.query("INSERT INTO t VALUES ($1)", [calls]);
        throw failure;
      }, {
        sleep: (ms) => {
          delays.push(ms);
          return Promise.resolve();
        },
        random: () => 0.999999,
      }),
      (error: unknown) => error === failure,
    );
    assert.equal(calls, 5);
    assert.deepEqual(delays, [20, 40, 80, 160]);
    const { rows } = await pool.query("SELECT * FROM t");
    assert.equal(rows.length, 0);
    // Every connection went back to the pool idle and usable.
    const check = await pool.query<{ ok: number }>("SELECT 1 AS ok");
    assert.equal(check.rows[0].ok, 1);
  });
});

Deno.test("`withTransaction()` runs at the requested isolation level and returns fn's value", async () => {
  await withTestDatabase(async ({ pool }) => {
    for (const level of ["serializable", "repeatable read", "read committed"] as const) {
      const seen = await withTransaction(pool, level, async (tx) => {
        const { rows } = await tx.query<{ level: string }>(
          "SELECT current_setting('transaction_isolation') AS level",
        );
        return rows[0].level;
      });
      assert.equal(seen, level);
    }
  }, { migrate: false });
});
