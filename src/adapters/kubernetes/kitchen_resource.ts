/**
 * A Kitchen resource as TypeScript sees it, and its translation to and from the domain's
 * KitchenConfig: the resource name is the kitchen id, the spec is the rest of the configuration.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { FieldViolation } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { type KitchenConfigResult, validateKitchenConfig } from "../../domain/kitchen_config.ts";
import { KITCHEN_API_VERSION, KITCHEN_KIND, withSchemaDefaults } from "./kitchen_crd.ts";

export type KitchenSpec = Omit<KitchenConfig, "id">;

export interface KitchenCondition {
  readonly type: "Ready" | "Invalid";
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface KitchenToday {
  readonly date: string;
  readonly unit: string;
  readonly booked: number;
  readonly capacity: number;
  readonly slots: number;
  readonly fillRatio: number;
  readonly fill: string;
  readonly asOf: string;
}

export interface KitchenStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly KitchenCondition[];
  readonly appliedVersion?: number;
  readonly today?: KitchenToday;
}

export interface KitchenResource extends KubernetesObject {
  spec: Record<string, unknown>;
  status?: KitchenStatus;
}

/** The finalizer the operator puts on every Kitchen: deleting one first stops its orders. */
export const KITCHEN_FINALIZER = "ovenline.dev/kitchen-cleanup";

/**
 * The domain configuration a Kitchen declares, checked by validateKitchenConfig (the authority on
 * time zones, overlapping hours and slot lengths). Violation fields are paths in the resource:
 * `metadata.name`, `spec.timeZone`, `spec.hours.mon[0]`, ...
 */
export function kitchenConfigOf(
  resource: Pick<KitchenResource, "metadata" | "spec">,
): KitchenConfigResult {
  const name = resource.metadata?.name ?? "";
  const spec = withSchemaDefaults(resource.spec ?? {}) as Record<string, unknown>;
  const result = validateKitchenConfig({ ...spec, id: name });
  if (result.ok) return result;
  return {
    ok: false,
    violations: result.violations.map((v): FieldViolation => ({
      field: v.field === "id" ? "metadata.name" : v.field === "" ? "spec" : `spec.${v.field}`,
      reason: v.reason,
    })),
  };
}

/** The spec that declares `config` (its id becomes the name). */
export function kitchenSpecOf(config: KitchenConfig): KitchenSpec {
  const { id: _id, ...spec } = config;
  return spec;
}

/** A complete Kitchen manifest for `config` (files, tests, the hub's error messages). */
export function kitchenManifest(config: KitchenConfig, namespace?: string): KitchenResource {
  return {
    apiVersion: KITCHEN_API_VERSION,
    kind: KITCHEN_KIND,
    metadata: { name: config.id, ...(namespace ? { namespace } : {}) },
    spec: { ...kitchenSpecOf(config) } as Record<string, unknown>,
  };
}

/** The condition of `type`, if the status has one. */
export function conditionOf(
  status: KitchenStatus | undefined,
  type: KitchenCondition["type"],
): KitchenCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
