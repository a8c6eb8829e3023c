/**
 * What a Kitchen's status says after a reconcile: conditions Ready and Invalid (with reasons a
 * person or a script can act on), the generation they describe, the configuration version applied,
 * and today's booked load.
 */
import type {
  KitchenCondition,
  KitchenStatus,
  KitchenToday,
} from "../../adapters/kubernetes/kitchen_resource.ts";
import type { FieldViolation } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { businessDateOf, slotsOfDay } from "../../domain/slot_plan.ts";
import { canonicalJson } from "./canonical_json.ts";

/** Reasons of the Invalid condition (and of Ready=False when the spec is invalid). */
export const INVALID_REASONS = {
  name: "InvalidName",
  timeZone: "UnknownTimeZone",
  overlap: "OverlappingHours",
  hours: "InvalidHours",
  other: "InvalidSpec",
} as const;

export type ReconcileResult =
  | { readonly kind: "applied"; readonly version: number; readonly changed: boolean }
  | { readonly kind: "invalid"; readonly violations: readonly FieldViolation[] }
  | { readonly kind: "failed"; readonly message: string };

/** The most specific reason for a set of violations (paths as kitchenConfigOf gives them). */
export function invalidReason(violations: readonly FieldViolation[]): string {
  if (violations.some((v) => v.field === "metadata.name")) return INVALID_REASONS.name;
  if (violations.some((v) => v.field === "spec.timeZone")) return INVALID_REASONS.timeZone;
  if (violations.some((v) => v.reason.startsWith("overlaps another opening"))) {
    return INVALID_REASONS.overlap;
  }
  if (violations.some((v) => v.field.startsWith("spec.hours"))) return INVALID_REASONS.hours;
  return INVALID_REASONS.other;
}

export function violationsText(violations: readonly FieldViolation[]): string {
  return violations.map((v) => `${v.field}: ${v.reason}`).join("; ");
}

/** The status after a reconcile of `generation` with `result`; `today` replaces the old reading when given. */
export function nextStatus(
  previous: KitchenStatus | undefined,
  generation: number | undefined,
  result: ReconcileResult,
  today: KitchenToday | undefined,
  now: Date,
): KitchenStatus {
  let ready: Omit<KitchenCondition, "lastTransitionTime" | "type">;
  let invalid: Omit<KitchenCondition, "lastTransitionTime" | "type">;
  switch (result.kind) {
    case "applied":
      ready = {
        status: "True",
        reason: "Applied",
        message: `applied as configuration version ${result.version}`,
      };
      invalid = { status: "False", reason: "Valid", message: "the spec passed validation" };
      break;
    case "invalid": {
      const reason = invalidReason(result.violations);
      const message = violationsText(result.violations);
      ready = { status: "False", reason, message: `not applied: ${message}` };
      invalid = { status: "True", reason, message };
      break;
    }
    case "failed":
      ready = { status: "False", reason: "ApplyFailed", message: result.message };
      invalid = conditionSnapshot(previous, "Invalid") ??
        { status: "Unknown", reason: "NotChecked", message: "" };
      break;
  }
  const condition = (
    type: KitchenCondition["type"],
    next: Omit<KitchenCondition, "lastTransitionTime" | "type">,
  ): KitchenCondition => {
    const before = previous?.conditions?.find((c) => c.type === type);
    return {
      type,
      ...next,
      lastTransitionTime: before && before.status === next.status
        ? before.lastTransitionTime
        : now.toISOString(),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  };
  const status: KitchenStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [condition("Ready", ready), condition("Invalid", invalid)],
    ...(result.kind === "applied"
      ? { appliedVersion: result.version }
      : previous?.appliedVersion !== undefined
      ? { appliedVersion: previous.appliedVersion }
      : {}),
    ...(today ?? previous?.today ? { today: today ?? previous!.today } : {}),
  };
  return status;
}

function conditionSnapshot(
  status: KitchenStatus | undefined,
  type: KitchenCondition["type"],
): Omit<KitchenCondition, "lastTransitionTime" | "type"> | undefined {
  const c = status?.conditions?.find((x) => x.type === type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

/** Whether writing `next` over `current` would change anything but the load reading's time. */
export function sameStatus(current: KitchenStatus | undefined, next: KitchenStatus): boolean {
  const strip = (s: KitchenStatus | undefined) =>
    canonicalJson(s ? { ...s, today: s.today ? { ...s.today, asOf: undefined } : undefined } : {});
  return strip(current) === strip(next);
}

/** Today's booked load (the kitchen's current business day) from the slot loads in Redis. */
export async function todayLoad(
  config: KitchenConfig,
  now: Date,
  slotLoads: (slotIds: readonly string[]) => Promise<number[]>,
): Promise<KitchenToday> {
  const date = businessDateOf(config, now);
  const slots = slotsOfDay(config, date);
  const loads = await slotLoads(slots.map((s) => s.id));
  const booked = loads.reduce((sum, load) => sum + (Number.isFinite(load) ? load : 0), 0);
  const capacity = config.capacity * slots.length;
  const ratio = capacity > 0 ? booked / capacity : 0;
  return {
    date: date.toString(),
    unit: config.capacityUnit,
    booked,
    capacity: Number.isSafeInteger(capacity) ? capacity : Number.MAX_SAFE_INTEGER,
    slots: slots.length,
    fillRatio: Math.round(ratio * 10_000) / 10_000,
    fill: `${Math.round(ratio * 100)}%`,
    asOf: now.toISOString(),
  };
}
