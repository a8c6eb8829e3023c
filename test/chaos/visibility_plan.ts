/**
 * When the chaos kitchen's orders show on a KDS, chosen from the slot plan at the moment the run
 * starts, so the run checks both kinds of visibility whatever the minute it starts at:
 *   - the orders of the first slot show at once (written visible by the consumer);
 *   - those of the second show `promoteAfterMs` to a minute later (moved by the promoter), while
 *     the load and its faults are still going on or soon after.
 * A fixed lead cannot do that: with 5-minute slots the first slot's visible time moves through a
 * 5-minute cycle with the start minute, and a run that starts just after a slot boundary ends
 * before anything has become visible.
 */
import type { KitchenConfig } from "../../src/domain/kitchen.ts";
import { planSlots, visibleAt } from "../../src/domain/slot_plan.ts";

const MINUTE_MS = 60_000;

export interface VisibilityPlan {
  readonly leadMinutes: number;
  /** When the second slot's orders become visible, at the latest. */
  readonly promotedBy: Date;
}

/**
 * `kitchen`'s lead for a run whose first order is placed about `startMs` after `now`, and whose
 * second slot should become visible at least `promoteAfterMs` after `now`.
 */
export function visibilityPlan(
  kitchen: KitchenConfig,
  now: Date,
  startMs: number,
  promoteAfterMs: number,
): VisibilityPlan {
  const search = planSlots(kitchen, new Date(now.getTime() + startMs));
  if (search.kind !== "slots" || search.slots.length < 2) {
    throw new Error(`the chaos kitchen has no two slots ahead at ${now.toISOString()}`);
  }
  const second = search.slots[1].start.getTime();
  const leadMinutes = Math.floor((second - now.getTime() - promoteAfterMs) / MINUTE_MS);
  return {
    leadMinutes,
    promotedBy: visibleAt(search.slots[1].start, leadMinutes, now),
  };
}
