/**
 * Kitchens for tests, placed in a time zone where it is around midday right
 * now, so "the rest of today" always has hours of slots whatever the wall
 * clock of the machine running the test.
 */
import type { KitchenConfig, Weekday } from "../../src/domain/kitchen.ts";

const WEEK: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** An Etc/GMT zone whose local time is within an hour of noon at `now`. */
export function zoneNearNoon(now = new Date()): string {
  const offset = 12 - now.getUTCHours(); // local = UTC + offset, in -11..+12
  // Etc/GMT names have the sign inverted: Etc/GMT-3 is UTC+3.
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

export function testKitchen(overrides: Partial<KitchenConfig> = {}): KitchenConfig {
  const id = overrides.id ?? `t${crypto.randomUUID().slice(0, 8)}`;
  return {
    id,
    displayName: `Test kitchen ${id}`,
    timeZone: zoneNearNoon(),
    hours: Object.fromEntries(WEEK.map((d) => [d, [{ open: "00:00", close: "24:00" }]])),
    slotMinutes: 15,
    leadMinutes: 30,
    capacity: 100_000_000,
    capacityUnit: "value",
    bookingHorizonDays: 0,
    stations: ["pizza", "dessert"],
    acceptingOrders: true,
    ...overrides,
  };
}

/** Open only 00:00–01:00 local: closed now (it is about noon there), opening again at midnight. */
export function closedKitchen(overrides: Partial<KitchenConfig> = {}): KitchenConfig {
  return testKitchen({
    hours: Object.fromEntries(WEEK.map((d) => [d, [{ open: "00:00", close: "01:00" }]])),
    ...overrides,
  });
}
