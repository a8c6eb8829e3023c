/**
 * The record's lifecycle (docs/deploy.md, "Data lifecycle"): personal data of
 * finished orders is anonymised after a while, and whole monthly partitions
 * past the retention are archived to a file and dropped. Nothing live is
 * touched: a partition still holding an unfinished order is left alone.
 */
import { listPartitions, type OrderPartition } from "./partitions.ts";
import type { Pool } from "./pool.ts";
import { withTransaction } from "./pool.ts";

export interface LifecyclePolicy {
  /** Finished orders keep name, phone and address this many days after their last change. */
  readonly anonymizeAfterDays: number;
  /** Partitions whose month ended more than this many months ago are archived and dropped. */
  readonly retentionMonths: number;
}

export interface ArchiveSink {
  /** Writes one partition's rows (JSON lines) durably; returns where they went. */
  write(partition: string, lines: AsyncIterable<string>): Promise<string>;
}

export interface LifecycleReport {
  readonly anonymized: number;
  readonly archived: { partition: string; rows: number; location: string }[];
  /** Partitions past retention kept because they still hold unfinished orders. */
  readonly keptWithLiveOrders: string[];
}

export async function anonymizeFinishedOrders(
  pool: Pool,
  policy: LifecyclePolicy,
  now: Date,
): Promise<number> {
  const result = await pool.query(
    `UPDATE orders
        SET customer_first_name = NULL, customer_last_name = NULL, customer_phone = NULL,
            delivery_address = NULL, anonymized_at = $1
      WHERE status IN ('completed', 'cancelled') AND anonymized_at IS NULL
        AND updated_at < $1::timestamptz - make_interval(days => $2)`,
    [now, policy.anonymizeAfterDays],
  );
  return result.rowCount ?? 0;
}

/** The first instant that is kept: the start of the UTC month `retentionMonths` before `now`'s. */
export function retentionCutoff(now: Date, retentionMonths: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - retentionMonths, 1));
}

export async function archiveExpiredPartitions(
  pool: Pool,
  policy: LifecyclePolicy,
  now: Date,
  sink: ArchiveSink,
): Promise<Pick<LifecycleReport, "archived" | "keptWithLiveOrders">> {
  const cutoff = retentionCutoff(now, policy.retentionMonths);
  const expired = (await listPartitions(pool)).filter((p) => p.to.getTime() <= cutoff.getTime());
  const archived: LifecycleReport["archived"] = [];
  const keptWithLiveOrders: string[] = [];
  for (const partition of expired) {
    const live = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${
        ident(partition.name)
      } WHERE status NOT IN ('completed', 'cancelled')`,
    );
    if (Number(live.rows[0].n) > 0) {
      keptWithLiveOrders.push(partition.name);
      continue;
    }
    let rows = 0;
    const location = await sink.write(
      partition.name,
      countLines(exportRows(pool, partition), () => rows++),
    );
    await dropPartition(pool, partition);
    archived.push({ partition: partition.name, rows, location });
  }
  return { archived, keptWithLiveOrders };
}

export async function runLifecycle(
  pool: Pool,
  policy: LifecyclePolicy,
  now: Date,
  sink: ArchiveSink,
): Promise<LifecycleReport> {
  const anonymized = await anonymizeFinishedOrders(pool, policy, now);
  return { anonymized, ...(await archiveExpiredPartitions(pool, policy, now, sink)) };
}

/** Each order as one JSON line, with its status history. */
async function* exportRows(pool: Pool, partition: OrderPartition): AsyncIterable<string> {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const { rows } = await pool.query<{ id: string; line: unknown }>(
      `SELECT o.id, json_build_object('order', to_jsonb(o), 'history',
                COALESCE((SELECT jsonb_agg(to_jsonb(h) ORDER BY h.occurred_at)
                            FROM order_status_history h WHERE h.order_id = o.id), '[]'::jsonb)) AS line
         FROM ${ident(partition.name)} o WHERE o.id > $1 ORDER BY o.id LIMIT 1000`,
      [after],
    );
    if (rows.length === 0) return;
    for (const row of rows) yield JSON.stringify(row.line);
    after = rows[rows.length - 1].id;
  }
}

async function* countLines(
  lines: AsyncIterable<string>,
  onLine: () => void,
): AsyncIterable<string> {
  for await (const line of lines) {
    onLine();
    yield line;
  }
}

async function dropPartition(pool: Pool, partition: OrderPartition): Promise<void> {
  await withTransaction(pool, "read committed", async (tx) => {
    await tx.query(`ALTER TABLE orders DETACH PARTITION ${ident(partition.name)}`);
    await tx.query(`DROP TABLE ${ident(partition.name)}`);
    // order_ids keeps each id's created_at; its rows for the month go too (history cascades).
    await tx.query(`DELETE FROM order_ids WHERE created_at >= $1 AND created_at < $2`, [
      partition.from,
      partition.to,
    ]);
  });
}

function ident(name: string): string {
  if (!/^orders_y\d{4}m\d{2}$/.test(name)) throw new Error(`unexpected partition name ${name}`);
  return `"${name}"`;
}
