/**
 * housekeeper (a Kubernetes CronJob, or `deno task housekeeper` locally):
 * creates partitions ahead, anonymises finished orders' personal data after
 * ANONYMIZE_AFTER_DAYS, archives and drops partitions past RETENTION_MONTHS.
 */
import { DirectoryArchive } from "../../adapters/postgres/archive_files.ts";
import { runLifecycle } from "../../adapters/postgres/data_lifecycle.ts";
import { ensurePartitions } from "../../adapters/postgres/partitions.ts";
import { createPool } from "../../adapters/postgres/pool.ts";
import { DATABASE_CONNECTIONS } from "../../config/database_connections.ts";
import { createLogger, parseLevel } from "../../observability/logger.ts";
import { readHousekeeperConfig } from "./config.ts";

const config = readHousekeeperConfig();
const logger = createLogger({ service: "housekeeper" }, parseLevel(config.logLevel));
const pool = createPool(config.databaseUrl, {
  applicationName: "ovenline-housekeeper",
  max: DATABASE_CONNECTIONS.housekeeper.pool,
  statementTimeoutMillis: 0,
});
try {
  const now = new Date();
  const created = await ensurePartitions(pool, now, 3);
  const report = await runLifecycle(pool, config, now, new DirectoryArchive(config.archiveDir));
  logger.info("housekeeping done", { partitionsCreated: created, ...report });
  for (const name of report.keptWithLiveOrders) {
    logger.warn("partition past retention still holds unfinished orders; kept", {
      partition: name,
    });
  }
} catch (error) {
  logger.error("housekeeping failed", { error });
  Deno.exitCode = 1;
} finally {
  await pool.end();
}
