/**
 * Which slots an order may be booked into, earliest first. Slots are `slotMinutes` of real time,
 * stepped from the opening's start instant, so a DST change lengthens or shortens the opening,
 * never a slot. Capacity is checked elsewhere (Redis); this only lists candidates.
 */
import type { KitchenConfig } from "./kitchen.ts";
import {
  businessDateOf,
  localDateOf,
  type Opening,
  openingAt,
  openingsBetween,
  openingsOn,
} from "./opening_hours.ts";

export { businessDateOf, type Opening, openingsBetween } from "./opening_hours.ts";

export interface Slot {
  readonly start: Date;
  readonly end: Date;
  /** "slot:{kitchenId}:{epochSeconds of start}", the Redis key of its load. */
  readonly id: string;
  /** Business date of the opening the slot belongs to. */
  readonly businessDate: Temporal.PlainDate;
}

export type SlotSearch =
  | {
    readonly kind: "slots";
    /** Candidates in booking order (earliest first); never empty. */
    readonly slots: readonly Slot[];
    /** End of the last candidate. */
    readonly horizonEnd: Date;
  }
  | {
    readonly kind: "closed";
    readonly reason: string;
    readonly nextOpening?: Date;
  };

/** Bounds the candidate list (and the Lua call that walks it): a full day of 1-minute slots fits. */
export const MAX_CANDIDATE_SLOTS = 2_000;

export const CLOSED_REASONS = {
  notAccepting: "kitchen is not accepting orders",
  outsideHours: "outside working hours",
  lastSlotStarted: "last slot of the day has started",
  nothingInHorizon: "no working hours at or after the requested time within the booking horizon",
} as const;

const MS_PER_MINUTE = 60_000;
const ASAP_CHAIN_MS = 24 * 60 * MS_PER_MINUTE;
/** Longer than any gap between openings of a kitchen that is open at least one day a week. */
const NEXT_OPENING_SEARCH_MS = 8 * 24 * 60 * MS_PER_MINUTE;

export function slotId(kitchenId: string, start: Date): string {
  return `slot:${kitchenId}:${Math.floor(start.getTime() / 1000)}`;
}

/** The opening's slots that start at or after `notBefore`, at most `limit` of them. */
export function slotsOf(
  cfg: KitchenConfig,
  opening: Opening,
  notBefore: Date = opening.open,
  limit: number = MAX_CANDIDATE_SLOTS,
): Slot[] {
  const slotMs = slotLengthMs(cfg);
  const open = opening.open.getTime();
  const close = opening.close.getTime();
  const firstIndex = Math.max(0, Math.ceil((notBefore.getTime() - open) / slotMs));
  const slots: Slot[] = [];
  for (let start = open + firstIndex * slotMs; start + slotMs <= close; start += slotMs) {
    if (slots.length >= limit) break;
    const startDate = new Date(start);
    slots.push({
      start: startDate,
      end: new Date(start + slotMs),
      id: slotId(cfg.id, startDate),
      businessDate: opening.businessDate,
    });
  }
  return slots;
}

/**
 * Candidate slots for an order placed at `now`: ASAP from the current opening, or, for a pre-order,
 * from `requestedTime` on within the booking horizon. "closed" says why there are none.
 */
export function planSlots(cfg: KitchenConfig, now: Date, requestedTime?: Date): SlotSearch {
  assertValidDate(now, "now");
  if (requestedTime !== undefined) assertValidDate(requestedTime, "requestedTime");
  if (!cfg.acceptingOrders) return { kind: "closed", reason: CLOSED_REASONS.notAccepting };
  return requestedTime === undefined ? planAsap(cfg, now) : planPreOrder(cfg, now, requestedTime);
}

/** When the order appears on the KDS: `leadMinutes` before its slot, but never before `now`. */
export function visibleAt(slotStart: Date, leadMinutes: number, now: Date): Date {
  return new Date(Math.max(slotStart.getTime() - leadMinutes * MS_PER_MINUTE, now.getTime()));
}

function planAsap(cfg: KitchenConfig, now: Date): SlotSearch {
  const current = openingAt(cfg, now);
  if (current === undefined) return closed(cfg, CLOSED_REASONS.outsideHours, now);
  const slots = slotsOf(cfg, current, now);
  // An opening that starts exactly when this one closes continues it (e.g. a 24-hour kitchen's
  // next day), so an order at 23:55 is not turned away; a day of such chaining is plenty.
  const chainUntil = now.getTime() + ASAP_CHAIN_MS;
  let tail = current;
  while (slots.length < MAX_CANDIDATE_SLOTS && tail.close.getTime() < chainUntil) {
    const next = openingStartingAt(cfg, tail.close);
    if (next === undefined) break;
    slots.push(...slotsOf(cfg, next, now, MAX_CANDIDATE_SLOTS - slots.length));
    tail = next;
  }
  if (slots.length === 0) return closed(cfg, CLOSED_REASONS.lastSlotStarted, now);
  return found(slots);
}

function openingStartingAt(cfg: KitchenConfig, instant: Date): Opening | undefined {
  return openingsBetween(cfg, instant, new Date(instant.getTime() + 1))
    .find((opening) => opening.open.getTime() === instant.getTime());
}

function planPreOrder(cfg: KitchenConfig, now: Date, requestedTime: Date): SlotSearch {
  const earliest = new Date(Math.max(now.getTime(), requestedTime.getTime()));
  const lastBookableDate = businessDateOf(cfg, now).add({ days: cfg.bookingHorizonDays });
  const candidates: Slot[] = [];
  // Openings from the previous local date can still be running at `earliest` (after midnight).
  let date = localDateOf(cfg, earliest).subtract({ days: 1 });
  for (; Temporal.PlainDate.compare(date, lastBookableDate) <= 0; date = date.add({ days: 1 })) {
    for (const opening of openingsOn(cfg, date)) {
      candidates.push(...slotsOf(cfg, opening, earliest));
    }
    if (candidates.length >= MAX_CANDIDATE_SLOTS) break;
  }
  if (candidates.length === 0) return closed(cfg, CLOSED_REASONS.nothingInHorizon, earliest);
  return found(inStartOrder(candidates).slice(0, MAX_CANDIDATE_SLOTS));
}

function found(slots: Slot[]): SlotSearch {
  return { kind: "slots", slots, horizonEnd: slots[slots.length - 1].end };
}

function closed(cfg: KitchenConfig, reason: string, searchFrom: Date): SlotSearch {
  const next = nextServingOpening(cfg, searchFrom);
  return next === undefined
    ? { kind: "closed", reason }
    : { kind: "closed", reason, nextOpening: next.open };
}

/**
 * The first opening with a slot starting at or after `instant`. For a pre-order beyond the horizon
 * this can be the opening the requested time falls in, which is what the customer needs to know.
 */
function nextServingOpening(cfg: KitchenConfig, instant: Date): Opening | undefined {
  const searchEnd = new Date(instant.getTime() + NEXT_OPENING_SEARCH_MS);
  return openingsBetween(cfg, instant, searchEnd)
    .find((opening) => slotsOf(cfg, opening, instant, 1).length > 0);
}

/** Sorted by start, one slot per start (only misconfigured, overlapping openings could repeat one). */
function inStartOrder(slots: Slot[]): Slot[] {
  const byStart = new Map<number, Slot>();
  for (const slot of slots) {
    if (!byStart.has(slot.start.getTime())) byStart.set(slot.start.getTime(), slot);
  }
  return [...byStart.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

function slotLengthMs(cfg: KitchenConfig): number {
  if (!Number.isInteger(cfg.slotMinutes) || cfg.slotMinutes < 1) {
    throw new RangeError(`kitchen ${cfg.id}: slotMinutes must be a positive integer`);
  }
  return cfg.slotMinutes * MS_PER_MINUTE;
}

function assertValidDate(value: Date, name: string): void {
  if (!Number.isFinite(value.getTime())) throw new RangeError(`${name} is not a valid date`);
}

/** Every slot of one business day (the dashboard's view of the day), earliest first. */
export function slotsOfDay(cfg: KitchenConfig, date: Temporal.PlainDate): Slot[] {
  return openingsOn(cfg, date).flatMap((opening) => slotsOf(cfg, opening));
}
