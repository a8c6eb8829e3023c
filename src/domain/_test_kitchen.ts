/** Kitchen configs for the slot tests. */
import type { KitchenConfig, OpeningHours, Weekday } from "./kitchen.ts";
import { DEFAULT_KITCHEN } from "./kitchen_config.ts";
import { WEEKDAYS } from "./opening_hours.ts";

export function kitchen(overrides: Partial<KitchenConfig> = {}): KitchenConfig {
  return { ...DEFAULT_KITCHEN, ...overrides };
}

/** The same hours on every weekday. */
export function everyDay(
  ...hours: OpeningHours[]
): Readonly<Partial<Record<Weekday, readonly OpeningHours[]>>> {
  return Object.fromEntries(WEEKDAYS.map((day) => [day, hours]));
}

export function iso(dates: readonly { start: Date }[]): string[] {
  return dates.map((d) => d.start.toISOString());
}
