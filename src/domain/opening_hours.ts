/**
 * When a kitchen is open, as real instants. Wall-clock hours are read in the kitchen's IANA zone;
 * an opening belongs to the business date (local date) it starts on, even when it closes after midnight.
 */
import type { KitchenConfig, Weekday } from "./kitchen.ts";

export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** One opening as real time: [open, close). */
export interface Opening {
  readonly businessDate: Temporal.PlainDate;
  readonly open: Date;
  readonly close: Date;
}

const MINUTES_PER_DAY = 24 * 60;
/** "HH:MM" from 00:00 to 23:59 (a closing time may also be "24:00"). */
export const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MAX_RANGE_DAYS = 400;

/** Minutes after local midnight for "HH:MM"; "24:00" (1440) is accepted only as a closing time. */
export function parseClock(text: string, role: "open" | "close"): number | undefined {
  if (role === "close" && text === "24:00") return MINUTES_PER_DAY;
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function weekdayOf(date: Temporal.PlainDate): Weekday {
  return WEEKDAYS[date.dayOfWeek - 1];
}

/** The local calendar date of `instant` in the kitchen's zone. */
export function localDateOf(cfg: KitchenConfig, instant: Date): Temporal.PlainDate {
  return toZoned(cfg, instant).toPlainDate();
}

/** The openings that start on local date `date`, earliest first. Empty (or DST-erased) ones are left out. */
export function openingsOn(cfg: KitchenConfig, date: Temporal.PlainDate): Opening[] {
  const openings: Opening[] = [];
  for (const hours of cfg.hours[weekdayOf(date)] ?? []) {
    const openMinute = parseClock(hours.open, "open");
    const closeMinute = parseClock(hours.close, "close");
    if (openMinute === undefined || closeMinute === undefined) {
      throw new RangeError(
        `kitchen ${cfg.id}: bad opening hours ${hours.open}–${hours.close} on ${weekdayOf(date)}`,
      );
    }
    const closesNextDay = closeMinute <= openMinute;
    const open = atLocalMinute(cfg, date, openMinute);
    const close = atLocalMinute(cfg, date, closeMinute + (closesNextDay ? MINUTES_PER_DAY : 0));
    // A short opening inside a spring-forward gap can end up with close ≤ open: it never happens.
    if (close.getTime() > open.getTime()) openings.push({ businessDate: date, open, close });
  }
  return openings.sort(byOpenThenClose);
}

/** Openings that overlap [from, to), earliest first. */
export function openingsBetween(cfg: KitchenConfig, from: Date, to: Date): Opening[] {
  if (!(to.getTime() > from.getTime())) return [];
  // An opening lasts at most a day (25 h across a DST change), so the previous local date is enough.
  const first = localDateOf(cfg, from).subtract({ days: 1 });
  const last = localDateOf(cfg, to);
  const days = first.until(last, { largestUnit: "days" }).days;
  if (days > MAX_RANGE_DAYS) {
    throw new RangeError(`opening search over ${days} days is too wide (max ${MAX_RANGE_DAYS})`);
  }
  const found: Opening[] = [];
  for (
    let date = first;
    Temporal.PlainDate.compare(date, last) <= 0;
    date = date.add({ days: 1 })
  ) {
    for (const opening of openingsOn(cfg, date)) {
      if (opening.open.getTime() < to.getTime() && opening.close.getTime() > from.getTime()) {
        found.push(opening);
      }
    }
  }
  return found.sort(byOpenThenClose);
}

/** The opening that `instant` falls in, if any (the earliest, should openings overlap). */
export function openingAt(cfg: KitchenConfig, instant: Date): Opening | undefined {
  return openingsBetween(cfg, instant, new Date(instant.getTime() + 1))[0];
}

/** The business date of the opening containing `instant`, else its local date. Keys per-day counters. */
export function businessDateOf(cfg: KitchenConfig, instant: Date): Temporal.PlainDate {
  return openingAt(cfg, instant)?.businessDate ?? localDateOf(cfg, instant);
}

function atLocalMinute(cfg: KitchenConfig, date: Temporal.PlainDate, minute: number): Date {
  const wallClock = date.toPlainDateTime().add({ minutes: minute });
  // "compatible": a time skipped by spring-forward moves later by the gap; a repeated time takes its first occurrence.
  const zoned = wallClock.toZonedDateTime(cfg.timeZone, { disambiguation: "compatible" });
  return new Date(zoned.epochMilliseconds);
}

function toZoned(cfg: KitchenConfig, instant: Date): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(cfg.timeZone);
}

function byOpenThenClose(a: Opening, b: Opening): number {
  return a.open.getTime() - b.open.getTime() || a.close.getTime() - b.close.getTime();
}
