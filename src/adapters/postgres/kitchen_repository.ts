/**
 * Kitchen configuration in PostgreSQL: one row per kitchen, the KitchenConfig (minus its id) as
 * JSON with camelCase keys, and a version that grows by one on every save.
 *
 * Every save sends NOTIFY on KITCHEN_CHANGED_CHANNEL (payload: the kitchen id) when it commits.
 */
import { type FieldViolation, ValidationError } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { validateKitchenConfig } from "../../domain/kitchen_config.ts";
import type { Queryable } from "./pool.ts";

export const KITCHEN_CHANGED_CHANNEL = "ovenline_kitchen_changed";

export interface KitchenRecord {
  readonly config: KitchenConfig;
  /** 1 when created, +1 on every save. */
  readonly version: number;
  /** ISO-8601 UTC */
  readonly updatedAt: string;
}

/** A configuration stored in the database breaks the KitchenConfig contract (a fault, not input). */
export class InvalidKitchenConfigError extends Error {
  constructor(readonly kitchenId: string, readonly violations: readonly FieldViolation[]) {
    super(
      `stored configuration of kitchen "${kitchenId}" is invalid: ${
        violations.map((v) => `${v.field}: ${v.reason}`).join("; ")
      }`,
    );
    this.name = "InvalidKitchenConfigError";
  }
}

/** saveKitchen() was told which version it replaces, and the stored one is another. */
export class KitchenVersionConflictError extends Error {
  constructor(
    readonly kitchenId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
  ) {
    super(
      `kitchen "${kitchenId}" is at version ${actualVersion ?? "none (absent)"}, ` +
        `not ${expectedVersion}; reload it and apply the change again`,
    );
    this.name = "KitchenVersionConflictError";
  }
}

/** The stored JSON (without id) as a checked KitchenConfig. */
function storedConfig(id: string, json: unknown): KitchenConfig {
  const stored = typeof json === "object" && json !== null ? json : {};
  const result = validateKitchenConfig({ ...stored, id });
  if (!result.ok) throw new InvalidKitchenConfigError(id, result.violations);
  return result.value;
}

interface KitchenRow {
  id: string;
  config: unknown;
  version: string; // bigint arrives as text
  updated_at: Date;
}

function toRecord(row: KitchenRow): KitchenRecord {
  return {
    config: storedConfig(row.id, row.config),
    version: Number(row.version),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** All kitchens, by id. Throws InvalidKitchenConfigError if a stored configuration is broken. */
export async function loadKitchens(db: Queryable): Promise<KitchenConfig[]> {
  const { rows } = await db.query<KitchenRow>(
    "SELECT id, config, version, updated_at FROM kitchens ORDER BY id",
  );
  return rows.map((row) => toRecord(row).config);
}

/** One kitchen with its version, or undefined. */
export async function getKitchenRecord(
  db: Queryable,
  id: string,
): Promise<KitchenRecord | undefined> {
  const { rows } = await db.query<KitchenRow>(
    "SELECT id, config, version, updated_at FROM kitchens WHERE id = $1",
    [id],
  );
  return rows.length === 0 ? undefined : toRecord(rows[0]);
}

/** One kitchen's configuration, or undefined. */
export async function getKitchen(db: Queryable, id: string): Promise<KitchenConfig | undefined> {
  return (await getKitchenRecord(db, id))?.config;
}

export interface SaveKitchenOptions {
  /**
   * Optimistic concurrency: save only if the stored version is this one (0 = only if the kitchen
   * does not exist yet), else throw KitchenVersionConflictError. Omitted: save unconditionally.
   */
  readonly expectedVersion?: number;
}

/**
 * Creates the kitchen (version 1) or replaces its configuration (version + 1). `cfg` is checked
 * with the domain's validateKitchenConfig first; a bad one throws ValidationError and writes
 * nothing.
 */
export async function saveKitchen(
  db: Queryable,
  cfg: KitchenConfig,
  opts: SaveKitchenOptions = {},
): Promise<KitchenRecord> {
  const checked = validateKitchenConfig(cfg);
  if (!checked.ok) throw new ValidationError(checked.violations);
  const { id, ...rest } = checked.value;
  const config = JSON.stringify(rest);
  const expected = opts.expectedVersion;
  const returning =
    `RETURNING id, config, version, updated_at, pg_notify('${KITCHEN_CHANGED_CHANNEL}', id)`;
  let rows: KitchenRow[];
  if (expected === undefined) {
    ({ rows } = await db.query<KitchenRow>(
      `INSERT INTO kitchens AS k (id, config) VALUES ($1, $2::jsonb)
       ON CONFLICT (id) DO UPDATE
         SET config = EXCLUDED.config, version = k.version + 1, updated_at = now()
       ${returning}`,
      [id, config],
    ));
  } else if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`expectedVersion must be a whole number >= 0, got ${expected}`);
  } else if (expected === 0) {
    ({ rows } = await db.query<KitchenRow>(
      `INSERT INTO kitchens (id, config) VALUES ($1, $2::jsonb)
       ON CONFLICT (id) DO NOTHING ${returning}`,
      [id, config],
    ));
  } else {
    ({ rows } = await db.query<KitchenRow>(
      `UPDATE kitchens SET config = $2::jsonb, version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $3 ${returning}`,
      [id, config, expected],
    ));
  }
  if (rows.length === 0) {
    const current = await getKitchenRecord(db, id).catch(() => undefined);
    throw new KitchenVersionConflictError(id, expected ?? 0, current?.version);
  }
  return toRecord(rows[0]);
}
