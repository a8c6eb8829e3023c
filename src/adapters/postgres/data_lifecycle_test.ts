import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { DirectoryArchive } from "./archive_files.ts";
import { retentionCutoff, runLifecycle } from "./data_lifecycle.ts";
import { ensurePartitions, listPartitions } from "./partitions.ts";
import { withTestDatabase } from "./test_database.ts";
import { insertTestOrder } from "./test_orders.ts";

const policy = { anonymizeAfterDays: 30, retentionMonths: 12 };

Deno.test("`retentionCutoff()` keeps the twelve whole months before the current one", () => {
  assert.equal(
    retentionCutoff(new Date("2027-03-15T10:00:00Z"), 12).toISOString(),
    "2026-03-01T00:00:00.000Z",
  );
});

Deno.test("`runLifecycle()` with an injected clock anonymises, archives and drops only what is past its time", async () => {
  await withTestDatabase(async ({ pool }) => {
    // The clock: 14 months after a past "start" month, so that month and the next are past retention.
    const start = new Date(Date.UTC(2025, 0, 10, 12));
    await ensurePartitions(pool, start, 16);
    const now = new Date(Date.UTC(2026, 2, 15, 12)); // retention cutoff: 2025-03-01
    const at = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d, 12));

    const oldDone = await insertTestOrder(pool, {
      createdAt: at(2025, 0, 10),
      status: "completed",
    });
    const oldCancelled = await insertTestOrder(pool, {
      createdAt: at(2025, 0, 20),
      status: "cancelled",
    });
    await pool.query(
      `INSERT INTO order_status_history (event_id, order_id, order_created_at, from_status, to_status, actor, occurred_at)
       VALUES ($1, $2, $3, 'pending', 'completed', 'kitchen', $3)`,
      [crypto.randomUUID(), oldDone, at(2025, 0, 10)],
    );
    const oldButLive = await insertTestOrder(pool, {
      createdAt: at(2025, 1, 3),
      status: "cooking",
    });
    const recentDone = await insertTestOrder(pool, {
      createdAt: at(2026, 1, 1),
      status: "completed",
    });
    const freshDone = await insertTestOrder(pool, {
      createdAt: at(2026, 2, 10),
      status: "completed",
    });
    const freshLive = await insertTestOrder(pool, { createdAt: at(2026, 0, 1), status: "pending" });

    const dir = await Deno.makeTempDir();
    try {
      const report = await runLifecycle(pool, policy, now, new DirectoryArchive(dir));

      // January 2025 held only finished orders: archived (2 rows) and dropped.
      assert.deepEqual(report.archived.map((a) => [a.partition, a.rows]), [["orders_y2025m01", 2]]);
      // February 2025 still has a cooking order: kept, untouched.
      assert.deepEqual(report.keptWithLiveOrders, ["orders_y2025m02"]);
      const names = (await listPartitions(pool)).map((p) => p.name);
      assert.equal(names.includes("orders_y2025m01"), false);
      assert.equal(names.includes("orders_y2025m02"), true);
      const gone = await pool.query("SELECT id FROM order_ids WHERE id = ANY($1)", [[
        oldDone,
        oldCancelled,
      ]]);
      assert.equal(gone.rowCount, 0, "their ids (and history) go with them");

      const lines = new TextDecoder().decode(
        gunzipSync(await Deno.readFile(report.archived[0].location)),
      )
        .trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.order.id).sort(), [oldDone, oldCancelled].sort());
      assert.equal(lines.find((l) => l.order.id === oldDone).history.length, 1);

      // Personal data: finished more than 30 days ago → gone; fresher or live → kept.
      const pii = async (id: string) =>
        (await pool.query("SELECT customer_phone, anonymized_at FROM orders WHERE id = $1", [id]))
          .rows[0];
      assert.equal((await pii(recentDone)).customer_phone, null);
      assert.notEqual((await pii(recentDone)).anonymized_at, null);
      assert.equal((await pii(freshDone)).customer_phone, "+79001234567");
      assert.equal((await pii(freshLive)).customer_phone, "+79001234567");
      assert.equal((await pii(oldButLive)).customer_phone, "+79001234567");
      // The two January orders were anonymised before being archived: archives carry no personal data.
      assert.equal(report.anonymized, 3);
      assert.ok(
        lines.every((l) => l.order.customer_phone === null && l.order.anonymized_at !== null),
      );

      // A second run finds nothing more to do.
      const again = await runLifecycle(pool, policy, now, new DirectoryArchive(dir));
      assert.deepEqual([again.anonymized, again.archived.length], [0, 0]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
