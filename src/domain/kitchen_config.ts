/** Checking a kitchen configuration from outside (config API, Kitchen resource, file) before use. */
import type { FieldViolation } from "./errors.ts";
import type { CapacityUnit, KitchenConfig, OpeningHours, Weekday } from "./kitchen.ts";
import { parseClock, WEEKDAYS } from "./opening_hours.ts";
import { codePointLength, quoted, textProblem } from "./text.ts";

export type KitchenConfigResult =
  | { readonly ok: true; readonly value: KitchenConfig }
  | { readonly ok: false; readonly violations: FieldViolation[] };

export const CAPACITY_UNITS: readonly CapacityUnit[] = ["value", "items", "orders"];

export const KITCHEN_LIMITS = {
  slotMinutes: { min: 5, max: 240 },
  leadMinutes: { min: 0, max: 720 },
  bookingHorizonDays: { min: 0, max: 30 },
  maxDisplayNameLength: 100,
  maxOpeningsPerDay: 6,
  maxStations: 20,
} as const;

/** Patterns shared with the Kitchen resource's OpenAPI schema (src/adapters/kubernetes/kitchen_crd.ts). */
export const KITCHEN_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const STATION_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
// IANA names ("Europe/Moscow", "Etc/GMT+3", "UTC"); rules out offsets and ISO strings Temporal would also take.
export const IANA_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A kitchen id as used in keys and URLs: lowercase letters, digits, dashes; at most 63 characters. */
export function isKitchenId(text: string): boolean {
  return KITCHEN_ID.test(text);
}

export const DEFAULT_KITCHEN: KitchenConfig = {
  id: "main",
  displayName: "Ovenline — Центральная",
  timeZone: "Europe/Moscow",
  hours: Object.fromEntries(WEEKDAYS.map((day) => [day, [{ open: "10:00", close: "23:00" }]])),
  slotMinutes: 15,
  leadMinutes: 30,
  capacity: 2_000_000, // kopecks of order value per slot: 20,000 ₽
  capacityUnit: "value",
  bookingHorizonDays: 0,
  stations: ["pizza", "dessert"],
  acceptingOrders: true,
};

/** Every problem in `raw` (field paths as in the JSON, e.g. "hours.mon[0].close"), or a clean copy. */
export function validateKitchenConfig(raw: unknown): KitchenConfigResult {
  const violations: FieldViolation[] = [];
  const add = (field: string, reason: string) => violations.push({ field, reason });
  if (!isRecord(raw)) {
    return { ok: false, violations: [{ field: "", reason: "must be an object" }] };
  }

  const id = raw.id;
  if (typeof id !== "string" || !isKitchenId(id)) {
    add(
      "id",
      "must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit",
    );
  }

  const displayName = typeof raw.displayName === "string" ? raw.displayName.trim() : undefined;
  if (displayName === undefined) add("displayName", "must be a string");
  else if (displayName === "") add("displayName", "must not be empty");
  else if (textProblem(displayName)) add("displayName", textProblem(displayName)!);
  else if (codePointLength(displayName) > KITCHEN_LIMITS.maxDisplayNameLength) {
    add(
      "displayName",
      `must be at most ${KITCHEN_LIMITS.maxDisplayNameLength} characters (got ${
        codePointLength(displayName)
      })`,
    );
  }

  const timeZone = canonicalTimeZone(raw.timeZone);
  if (timeZone === undefined) {
    add("timeZone", "must be an IANA time zone name, e.g. Europe/Moscow");
  }

  const slotMinutes = checkInteger(raw.slotMinutes, "slotMinutes", KITCHEN_LIMITS.slotMinutes, add);
  checkInteger(raw.leadMinutes, "leadMinutes", KITCHEN_LIMITS.leadMinutes, add);
  checkInteger(
    raw.bookingHorizonDays,
    "bookingHorizonDays",
    KITCHEN_LIMITS.bookingHorizonDays,
    add,
  );

  if (!Number.isSafeInteger(raw.capacity) || (raw.capacity as number) < 1) {
    add("capacity", "must be a positive whole number");
  }
  if (!CAPACITY_UNITS.includes(raw.capacityUnit as CapacityUnit)) {
    add("capacityUnit", `must be one of ${CAPACITY_UNITS.join(", ")}`);
  }
  if (typeof raw.acceptingOrders !== "boolean") add("acceptingOrders", "must be true or false");

  const hours = checkHours(raw.hours, slotMinutes, add);
  const stations = checkStations(raw.stations, add);

  if (violations.length > 0) return { ok: false, violations };
  return {
    ok: true,
    value: {
      id: id as string,
      displayName: displayName!,
      timeZone: timeZone!,
      hours: hours!,
      slotMinutes: raw.slotMinutes as number,
      leadMinutes: raw.leadMinutes as number,
      capacity: raw.capacity as number,
      capacityUnit: raw.capacityUnit as CapacityUnit,
      bookingHorizonDays: raw.bookingHorizonDays as number,
      stations: stations!,
      acceptingOrders: raw.acceptingOrders as boolean,
    },
  };
}

type AddViolation = (field: string, reason: string) => void;

/** An opening placed on a Monday-00:00-based week, in wall-clock minutes. */
interface WeekInterval {
  readonly field: string;
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

function checkHours(
  raw: unknown,
  slotMinutes: number | undefined,
  add: AddViolation,
): Partial<Record<Weekday, OpeningHours[]>> | undefined {
  if (!isRecord(raw)) {
    add("hours", "must be an object keyed by weekday (mon … sun); leave a day out to close it");
    return undefined;
  }
  let valid = true;
  const hours: Partial<Record<Weekday, OpeningHours[]>> = {};
  const intervals: WeekInterval[] = [];
  for (const [key, list] of Object.entries(raw)) {
    const dayIndex = WEEKDAYS.indexOf(key as Weekday);
    if (dayIndex < 0) {
      add(`hours.${key}`, `unknown weekday; use one of ${WEEKDAYS.join(", ")}`);
      valid = false;
      continue;
    }
    const day = key as Weekday;
    if (!Array.isArray(list)) {
      add(`hours.${day}`, 'must be a list of openings like {open: "10:00", close: "23:00"}');
      valid = false;
      continue;
    }
    if (list.length > KITCHEN_LIMITS.maxOpeningsPerDay) {
      add(
        `hours.${day}`,
        `must have at most ${KITCHEN_LIMITS.maxOpeningsPerDay} openings (got ${list.length})`,
      );
      valid = false;
      continue;
    }
    const openings: OpeningHours[] = [];
    list.forEach((entry: unknown, index: number) => {
      const field = `hours.${day}[${index}]`;
      const opening = checkOpening(entry, field, slotMinutes, add);
      if (opening === undefined) {
        valid = false;
        return;
      }
      openings.push(opening);
      const open = parseClock(opening.open, "open")!;
      const close = parseClock(opening.close, "close")!;
      const start = dayIndex * MINUTES_PER_DAY + open;
      const end = dayIndex * MINUTES_PER_DAY + (close <= open ? close + MINUTES_PER_DAY : close);
      intervals.push({ field, label: `${day} ${opening.open}–${opening.close}`, start, end });
    });
    hours[day] = openings;
  }
  for (const [a, b] of overlappingPairs(intervals)) {
    add(b.field, `overlaps another opening (${a.label})`);
    valid = false;
  }
  return valid ? hours : undefined;
}

function checkOpening(
  entry: unknown,
  field: string,
  slotMinutes: number | undefined,
  add: AddViolation,
): OpeningHours | undefined {
  if (!isRecord(entry)) {
    add(field, 'must be an object like {open: "10:00", close: "23:00"}');
    return undefined;
  }
  const open = typeof entry.open === "string" ? parseClock(entry.open, "open") : undefined;
  const close = typeof entry.close === "string" ? parseClock(entry.close, "close") : undefined;
  if (open === undefined) add(`${field}.open`, "must be a time HH:MM from 00:00 to 23:59");
  if (close === undefined) add(`${field}.close`, "must be a time HH:MM from 00:00 to 24:00");
  if (open === undefined || close === undefined) return undefined;
  const length = close <= open ? close + MINUTES_PER_DAY - open : close - open;
  if (slotMinutes !== undefined && length < slotMinutes) {
    add(field, `must be at least one slot long (${slotMinutes} minutes; got ${length})`);
    return undefined;
  }
  return { open: entry.open as string, close: entry.close as string };
}

/** Pairs of openings that share wall-clock time, Sunday-night openings wrapping into Monday. */
function overlappingPairs(intervals: readonly WeekInterval[]): [WeekInterval, WeekInterval][] {
  const pairs: [WeekInterval, WeekInterval][] = [];
  const overlaps = (a: WeekInterval, b: WeekInterval) =>
    [0, MINUTES_PER_WEEK, -MINUTES_PER_WEEK].some((shift) =>
      a.start < b.end + shift && b.start + shift < a.end
    );
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      if (overlaps(intervals[i], intervals[j])) pairs.push([intervals[i], intervals[j]]);
    }
  }
  return pairs;
}

function checkStations(raw: unknown, add: AddViolation): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    add("stations", 'must be a non-empty list of station names, e.g. ["pizza", "oven"]');
    return undefined;
  }
  if (raw.length > KITCHEN_LIMITS.maxStations) {
    add("stations", `must have at most ${KITCHEN_LIMITS.maxStations} stations (got ${raw.length})`);
    return undefined;
  }
  let valid = true;
  const seen = new Set<string>();
  raw.forEach((name: unknown, index: number) => {
    if (typeof name !== "string" || !STATION_NAME.test(name)) {
      add(
        `stations[${index}]`,
        "must be 1 to 32 lowercase letters, digits, dashes or underscores, starting with a letter or digit",
      );
      valid = false;
    } else if (seen.has(name)) {
      add(`stations[${index}]`, `duplicate station ${quoted(name)}`);
      valid = false;
    }
    if (typeof name === "string") seen.add(name);
  });
  return valid ? [...raw as string[]] : undefined;
}

function checkInteger(
  raw: unknown,
  field: string,
  range: { readonly min: number; readonly max: number },
  add: AddViolation,
): number | undefined {
  if (typeof raw !== "number" || !Number.isInteger(raw)) {
    add(field, `must be a whole number from ${range.min} to ${range.max}`);
    return undefined;
  }
  if (raw < range.min || raw > range.max) {
    add(field, `must be between ${range.min} and ${range.max} (got ${raw})`);
    return undefined;
  }
  return raw;
}

/** The zone's canonical spelling ("europe/moscow" → "Europe/Moscow"), or undefined if not a known IANA zone. */
function canonicalTimeZone(raw: unknown): string | undefined {
  if (typeof raw !== "string" || !IANA_ZONE_NAME.test(raw)) return undefined;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(raw).timeZoneId;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
