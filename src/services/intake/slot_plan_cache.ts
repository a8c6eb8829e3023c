/**
 * Remembers each kitchen's ASAP slot plan while it cannot change: until the
 * first candidate slot starts, "the slots starting at or after now" is the
 * same list. Planning walks opening hours in the kitchen's time zone, which is
 * too much work to repeat for every order at thousands per second.
 * Pre-orders (a requested time) are planned afresh; they are rare.
 */
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { planSlots, type SlotSearch } from "../../domain/slot_plan.ts";

/** How long a "closed" answer is reused: the kitchen may open, or settings change, at any time. */
const CLOSED_REUSE_MS = 1_000;

interface Entry {
  readonly computedAt: number;
  readonly validUntil: number;
  readonly plan: SlotSearch;
}

export class SlotPlanCache {
  // Keyed by the config object: a reloaded or edited kitchen is a new object, so a new plan.
  readonly #entries = new WeakMap<KitchenConfig, Entry>();

  plan(kitchen: KitchenConfig, now: Date, requestedTime?: Date): SlotSearch {
    if (requestedTime !== undefined) return planSlots(kitchen, now, requestedTime);
    const t = now.getTime();
    const hit = this.#entries.get(kitchen);
    if (hit && t >= hit.computedAt && t <= hit.validUntil) return hit.plan;
    const plan = planSlots(kitchen, now);
    const validUntil = plan.kind === "slots" ? plan.slots[0].start.getTime() : t + CLOSED_REUSE_MS;
    this.#entries.set(kitchen, { computedAt: t, validUntil, plan });
    return plan;
  }
}
