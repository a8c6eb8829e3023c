import assert from "node:assert/strict";
import type { KitchenConfig, Weekday } from "../../domain/kitchen.ts";
import { planSlots } from "../../domain/slot_plan.ts";
import { SlotPlanCache } from "./slot_plan_cache.ts";

const WEEK: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const kitchen: KitchenConfig = {
  id: "k",
  displayName: "k",
  timeZone: "Europe/Berlin",
  hours: Object.fromEntries(WEEK.map((d) => [d, [{ open: "10:00", close: "12:00" }]])),
  slotMinutes: 15,
  leadMinutes: 30,
  capacity: 10,
  capacityUnit: "orders",
  bookingHorizonDays: 0,
  stations: ["pizza"],
  acceptingOrders: true,
};

Deno.test("`SlotPlanCache.plan()` equals `planSlots()` at every second of a day, across slot boundaries and closing", () => {
  const cache = new SlotPlanCache();
  const start = Date.parse("2026-11-26T08:50:00Z"); // 09:50 in Berlin: closed, then open at 10:00
  for (let t = start; t < start + 3 * 3_600_000; t += 7_000) {
    const now = new Date(t);
    assert.deepEqual(
      JSON.stringify(cache.plan(kitchen, now)),
      JSON.stringify(planSlots(kitchen, now)),
      `at ${now.toISOString()}`,
    );
  }
});

Deno.test("`SlotPlanCache.plan()` plans afresh for an edited kitchen (a new config object)", () => {
  const cache = new SlotPlanCache();
  const now = new Date("2026-11-26T09:20:00Z");
  const before = cache.plan(kitchen, now);
  const edited = { ...kitchen, slotMinutes: 30 };
  const after = cache.plan(edited, now);
  assert.ok(before.kind === "slots" && after.kind === "slots");
  assert.notEqual(before.slots.length, after.slots.length);
});
