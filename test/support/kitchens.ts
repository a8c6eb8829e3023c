/**
 * Kitchens for tests. They open every day around the clock and take pre-orders up to tomorrow,
 * so an order placed at any instant (23:59, a DST change, New Year's Eve) has slots, and a test
 * computes what it expects from the instants the services recorded, never from a guess about the
 * hour.
 *
 * Their zone: OVENLINE_TEST_KITCHEN_ZONE when set (scripts/clock_sweep.ts sets it, so that the
 * instants it fakes, such as 23:59 or a DST change, happen in the kitchens' own zone); otherwise
 * an Etc/GMT zone where it is around noon, which keeps day boundaries away from ordinary runs.
 */
import type { KitchenConfig, Weekday } from "../../src/domain/kitchen.ts";

const WEEK: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** An Etc/GMT zone whose local time is within an hour of noon at `now`. */
export function zoneNearNoon(now = new Date()): string {
  const offset = 12 - now.getUTCHours(); // local = UTC + offset, in -11..+12
  // Etc/GMT names have the sign inverted: Etc/GMT-3 is UTC+3.
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** The zone of the test kitchens: OVENLINE_TEST_KITCHEN_ZONE, or one where it is about noon. */
export function testKitchenZone(now = new Date()): string {
  const chosen = Deno.env.get("OVENLINE_TEST_KITCHEN_ZONE");
  if (!chosen) return zoneNearNoon(now);
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(chosen).timeZoneId;
  } catch {
    throw new Error(`OVENLINE_TEST_KITCHEN_ZONE=${chosen} is not an IANA time zone`);
  }
}

/** The same opening on every day of the week. */
export function everyDay(open: string, close: string): KitchenConfig["hours"] {
  return Object.fromEntries(WEEK.map((d) => [d, [{ open, close }]]));
}

export function testKitchen(overrides: Partial<KitchenConfig> = {}): KitchenConfig {
  const id = overrides.id ?? `t${crypto.randomUUID().slice(0, 8)}`;
  return {
    id,
    displayName: `Test kitchen ${id}`,
    timeZone: testKitchenZone(),
    hours: everyDay("00:00", "24:00"),
    slotMinutes: 15,
    leadMinutes: 30,
    capacity: 100_000_000,
    capacityUnit: "value",
    // Tomorrow too: a pre-order "in three hours" placed at 23:00 is for tomorrow.
    bookingHorizonDays: 1,
    stations: ["pizza", "dessert"],
    acceptingOrders: true,
    ...overrides,
  };
}

/** "HH:MM" of a local wall-clock time. */
export function hhmm(time: Temporal.PlainTime | Temporal.ZonedDateTime): string {
  return `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
}

/**
 * A kitchen that is closed at `now` and for hours around it: it opens for one hour a day, at the
 * whole local hour twelve hours from `now`. `nextOpening` is when that is, as the product must
 * work it out (a wall-clock time that a DST change skips moves later by the gap).
 */
export function closedKitchen(
  now: Date,
  overrides: Partial<KitchenConfig> = {},
): { kitchen: KitchenConfig; nextOpening: Date } {
  const zone = overrides.timeZone ?? testKitchenZone(now);
  const opens = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone)
    .add({ hours: 12 }).round({ smallestUnit: "hour", roundingMode: "floor" });
  const closes = opens.toPlainTime().add({ hours: 1 });
  const kitchen = testKitchen({
    timeZone: zone,
    hours: everyDay(hhmm(opens), hhmm(closes)),
    ...overrides,
  });
  const nextOpening = opens.toPlainDateTime().toZonedDateTime(zone, {
    disambiguation: "compatible",
  });
  return { kitchen, nextOpening: new Date(nextOpening.epochMilliseconds) };
}
