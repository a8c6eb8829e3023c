/**
 * The one step that turns a declared Kitchen (a resource, or a Kitchen file) into live
 * configuration: check it with the domain's rules, and when it differs from what PostgreSQL holds,
 * save it — saveKitchen's NOTIFY makes intake, the scheduler and the hub reload within a second.
 * The Kubernetes controller and the file mode both call it, so both apply the same way.
 */
import type {
  KitchenRecord,
  SaveKitchenOptions,
} from "../../adapters/postgres/kitchen_repository.ts";
import type { FieldViolation } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import {
  kitchenConfigOf,
  type KitchenResource,
} from "../../adapters/kubernetes/kitchen_resource.ts";
import { canonicalJson } from "./canonical_json.ts";

/** Where the live configuration is kept (PostgreSQL's `kitchens` table). */
export interface KitchenStore {
  get(id: string): Promise<KitchenRecord | undefined>;
  save(config: KitchenConfig, opts: SaveKitchenOptions): Promise<KitchenRecord>;
}

export type ApplyOutcome =
  | { readonly kind: "applied"; readonly record: KitchenRecord }
  | { readonly kind: "unchanged"; readonly record: KitchenRecord }
  | { readonly kind: "invalid"; readonly violations: readonly FieldViolation[] };

/** Applies `resource`; an invalid one writes nothing. Store errors propagate (retry). */
export async function applyKitchen(
  resource: Pick<KitchenResource, "metadata" | "spec">,
  store: KitchenStore,
): Promise<ApplyOutcome> {
  const checked = kitchenConfigOf(resource);
  if (!checked.ok) return { kind: "invalid", violations: checked.violations };
  const current = await store.get(checked.value.id);
  if (current && sameKitchenConfig(current.config, checked.value)) {
    return { kind: "unchanged", record: current };
  }
  // expectedVersion: a concurrent write elsewhere (there should be none) fails instead of being
  // overwritten blindly; the caller retries from fresh data.
  const record = await store.save(checked.value, { expectedVersion: current?.version ?? 0 });
  return { kind: "applied", record };
}

/**
 * Stops a kitchen taking orders (its Kitchen is being deleted): acceptingOrders=false in the
 * live configuration, nothing else. Orders already accepted stay as they are. Returns whether it
 * changed anything.
 */
export async function stopAcceptingOrders(id: string, store: KitchenStore): Promise<boolean> {
  const current = await store.get(id);
  if (!current || !current.config.acceptingOrders) return false;
  await store.save({ ...current.config, acceptingOrders: false }, {
    expectedVersion: current.version,
  });
  return true;
}

/** Equal configurations, whatever the order of keys (PostgreSQL's jsonb and the API reorder them). */
export function sameKitchenConfig(a: KitchenConfig, b: KitchenConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
