import assert from "node:assert/strict";
import { planSlots, visibleAt } from "../../src/domain/slot_plan.ts";
import { KITCHEN_LIMITS } from "../../src/domain/kitchen_config.ts";
import { testKitchen } from "../support/kitchens.ts";
import { visibilityPlan } from "./visibility_plan.ts";

const kitchen = testKitchen({ timeZone: "Europe/Moscow", slotMinutes: 5, capacityUnit: "orders" });
const START_MS = 10_000;
const PROMOTE_AFTER_MS = 40_000;

Deno.test("chaos visibility plan: the first slot shows at once, the second during the run, at any start second", () => {
  // Every second of a 5-minute cycle, across a slot boundary at 19:25 UTC.
  const cycleStart = Date.parse("2026-12-06T19:20:00Z");
  for (let s = 0; s < 5 * 60; s++) {
    const now = new Date(cycleStart + s * 1000);
    const plan = visibilityPlan(kitchen, now, START_MS, PROMOTE_AFTER_MS);
    const at = `at ${now.toISOString()}`;
    assert.ok(plan.leadMinutes >= KITCHEN_LIMITS.leadMinutes.min, at);
    assert.ok(plan.leadMinutes <= KITCHEN_LIMITS.leadMinutes.max, at);
    const slots = planSlots(kitchen, new Date(now.getTime() + START_MS));
    assert.equal(slots.kind, "slots");
    if (slots.kind !== "slots") return;
    const orderedAt = new Date(now.getTime() + START_MS);
    assert.equal(
      visibleAt(slots.slots[0].start, plan.leadMinutes, orderedAt).getTime(),
      orderedAt.getTime(),
      `first slot visible when ordered, ${at}`,
    );
    const second = visibleAt(slots.slots[1].start, plan.leadMinutes, orderedAt);
    assert.equal(second.getTime(), plan.promotedBy.getTime(), at);
    const after = second.getTime() - now.getTime();
    assert.ok(after >= PROMOTE_AFTER_MS && after < PROMOTE_AFTER_MS + 60_000, `${at}: ${after} ms`);
  }
});

Deno.test("chaos visibility plan: a start that crosses a boundary still leaves a slot to promote", () => {
  // Planned for an order 10 s away, but the stack took 40 s to start: 19:24:55 → 19:25:35.
  const now = new Date("2026-12-06T19:24:55Z");
  const plan = visibilityPlan(kitchen, now, START_MS, PROMOTE_AFTER_MS);
  const late = planSlots(kitchen, new Date(now.getTime() + 40_000));
  assert.equal(late.kind, "slots");
  if (late.kind !== "slots") return;
  const first = visibleAt(late.slots[0].start, plan.leadMinutes, new Date(now.getTime() + 40_000));
  assert.ok(first.getTime() <= plan.promotedBy.getTime());
});
