/** The housekeeper's configuration, read once from the environment. */
import { type Env, integer, optionalText, text } from "../../config/env.ts";
import { databaseUrl } from "../../config/tls_ca.ts";

export interface HousekeeperConfig {
  readonly databaseUrl: string;
  readonly logLevel: string | undefined;
  readonly anonymizeAfterDays: number;
  readonly retentionMonths: number;
  readonly archiveDir: string;
}

export function readHousekeeperConfig(env: Env = Deno.env.toObject()): HousekeeperConfig {
  return {
    databaseUrl: databaseUrl(env),
    logLevel: optionalText(env, "LOG_LEVEL"),
    anonymizeAfterDays: integer(env, "ANONYMIZE_AFTER_DAYS", 30, { min: 1, max: 3650 }),
    retentionMonths: integer(env, "RETENTION_MONTHS", 12, { min: 1, max: 120 }),
    archiveDir: text(env, "ARCHIVE_DIR", "./archive"),
  };
}
