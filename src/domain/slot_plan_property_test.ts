/** Properties of slot planning over random kitchens and instants near DST changes. */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { KitchenConfig, OpeningHours, Weekday } from "./kitchen.ts";
import { DEFAULT_KITCHEN, validateKitchenConfig } from "./kitchen_config.ts";
import { type Opening, openingsBetween, WEEKDAYS } from "./opening_hours.ts";
import { businessDateOf, MAX_CANDIDATE_SLOTS, planSlots, type Slot, slotsOf } from "./slot_plan.ts";

const ZONES = [
  "Europe/Berlin",
  "America/New_York",
  "Australia/Sydney",
  "Australia/Lord_Howe", // DST shift of 30 minutes
  "Asia/Kolkata",
  "Europe/Moscow",
  "UTC",
];
const DAY_MS = 86_400_000;
const MINUTE = 60_000;

/** The zone's 2026 offset changes, or mid-year for zones without any. */
function changesIn2026(zone: string): number[] {
  const changes: number[] = [];
  let cursor: Temporal.ZonedDateTime | null = Temporal.ZonedDateTime.from({
    timeZone: zone,
    year: 2026,
    month: 1,
    day: 1,
  });
  while ((cursor = cursor.getTimeZoneTransition("next")) && cursor.year === 2026) {
    changes.push(cursor.epochMilliseconds);
  }
  return changes.length > 0 ? changes : [Date.UTC(2026, 5, 15)];
}
const CHANGES = new Map(ZONES.map((zone) => [zone, changesIn2026(zone)]));

const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** Openings on a 5-minute grid; `close` may be next day or "24:00". */
const openingArb: fc.Arbitrary<OpeningHours> = fc
  .record({ open: fc.integer({ min: 0, max: 287 }), length: fc.integer({ min: 1, max: 288 }) })
  .map(({ open, length }) => {
    const end = (open + length) * 5;
    return {
      open: clock(open * 5),
      close: end === 1440 && open > 0 ? "24:00" : clock(end % 1440),
    };
  });

const hoursArb: fc.Arbitrary<Partial<Record<Weekday, OpeningHours[]>>> = fc
  .tuple(...WEEKDAYS.map(() => fc.array(openingArb, { maxLength: 2 })))
  .map((perDay) => Object.fromEntries(WEEKDAYS.map((day, i) => [day, perDay[i]])));

const scenarioArb = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    changeIndex: fc.nat(),
    offsetMs: fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }),
    hours: hoursArb,
    slotMinutes: fc.integer({ min: 5, max: 60 }),
    bookingHorizonDays: fc.integer({ min: 0, max: 2 }),
    requestAheadMs: fc.option(fc.integer({ min: -MINUTE, max: 3 * DAY_MS }), { nil: undefined }),
  })
  .map((s) => {
    const changes = CHANGES.get(s.zone)!;
    const now = new Date(changes[s.changeIndex % changes.length] + s.offsetMs);
    const raw = {
      ...DEFAULT_KITCHEN,
      timeZone: s.zone,
      hours: s.hours,
      slotMinutes: s.slotMinutes,
      bookingHorizonDays: s.bookingHorizonDays,
    };
    const requestedTime = s.requestAheadMs === undefined
      ? undefined
      : new Date(now.getTime() + s.requestAheadMs);
    return { raw, now, requestedTime };
  });

/** The opening a slot belongs to: it lies inside it, on its slot grid. */
function openingOf(cfg: KitchenConfig, slot: Slot): Opening | undefined {
  const slotMs = cfg.slotMinutes * MINUTE;
  return openingsBetween(cfg, slot.start, slot.end).find((o) =>
    o.open.getTime() <= slot.start.getTime() &&
    slot.end.getTime() <= o.close.getTime() &&
    (slot.start.getTime() - o.open.getTime()) % slotMs === 0
  );
}

Deno.test("`planSlots()` gives in-hours, equal, ordered, future slots near DST changes (property)", () => {
  let slotsRuns = 0;
  let closedRuns = 0;
  fc.assert(
    fc.property(scenarioArb, ({ raw, now, requestedTime }) => {
      const checked = validateKitchenConfig(raw);
      fc.pre(checked.ok); // overlapping random hours are not a valid kitchen
      const cfg = (checked as { value: KitchenConfig }).value;
      const slotMs = cfg.slotMinutes * MINUTE;
      const earliest = Math.max(now.getTime(), requestedTime?.getTime() ?? 0);
      const search = planSlots(cfg, now, requestedTime);

      if (search.kind === "closed") {
        closedRuns++;
        if (search.nextOpening) assert.ok(search.nextOpening.getTime() > now.getTime());
        // Nothing could have been booked from `earliest` in the opening that contains it.
        const containing = openingsBetween(cfg, new Date(earliest), new Date(earliest + 1));
        if (requestedTime === undefined) {
          for (const o of containing) assert.equal(slotsOf(cfg, o, now).length, 0);
        }
        return;
      }

      slotsRuns++;
      const { slots } = search;
      assert.ok(slots.length > 0 && slots.length <= MAX_CANDIDATE_SLOTS);
      assert.equal(search.horizonEnd.getTime(), slots.at(-1)!.end.getTime());
      const lastBookable = businessDateOf(cfg, now).add({ days: cfg.bookingHorizonDays });
      let previous: { slot: Slot; opening: Opening } | undefined;
      for (const slot of slots) {
        assert.equal(slot.end.getTime() - slot.start.getTime(), slotMs, "slot length");
        assert.ok(slot.start.getTime() >= earliest, "starts at or after now / requested time");
        assert.equal(slot.id, `slot:${cfg.id}:${slot.start.getTime() / 1000}`);
        const opening = openingOf(cfg, slot);
        assert.ok(opening, `slot ${slot.start.toISOString()} is inside an opening`);
        assert.ok(slot.end.getTime() <= opening.close.getTime(), "ends by closing");
        assert.equal(slot.businessDate.toString(), opening.businessDate.toString());
        if (requestedTime !== undefined) {
          assert.ok(
            Temporal.PlainDate.compare(slot.businessDate, lastBookable) <= 0,
            "within horizon",
          );
        }
        if (previous) {
          assert.ok(slot.start.getTime() >= previous.slot.end.getTime(), "strictly increasing");
          if (previous.opening.open.getTime() === opening.open.getTime()) {
            assert.equal(slot.start.getTime(), previous.slot.end.getTime(), "consecutive");
          }
        }
        previous = { slot, opening };
      }
      // No bookable slot was skipped before the first candidate.
      const first = slots[0].start.getTime();
      if (first > earliest) {
        const skipped = openingsBetween(cfg, new Date(earliest), new Date(first))
          .filter((o) =>
            requestedTime === undefined
              ? o.open.getTime() <= now.getTime()
              : Temporal.PlainDate.compare(o.businessDate, lastBookable) <= 0
          )
          .flatMap((o) => slotsOf(cfg, o, new Date(earliest)))
          .filter((s) => s.start.getTime() < first);
        assert.deepEqual(skipped, []);
      }
      if (requestedTime === undefined) {
        assert.ok(first - now.getTime() < slotMs || openingOf(cfg, slots[0])!.open > now);
      }
    }),
    { numRuns: 400 },
  );
  // Guard against a generator that only ever produces one outcome.
  assert.ok(slotsRuns > 50, `slots in ${slotsRuns} runs`);
  assert.ok(closedRuns > 20, `closed in ${closedRuns} runs`);
});

/** Whether a wall-clock time does not exist in the zone (skipped by a spring-forward change). */
function inGap(wall: Temporal.PlainDateTime, zone: string): boolean {
  try {
    wall.toZonedDateTime(zone, { disambiguation: "reject" });
    return false;
  } catch {
    return wall.toZonedDateTime(zone, { disambiguation: "earlier" }).toPlainDateTime()
      .equals(wall) === false;
  }
}

function minutesOf(text: string): number {
  if (text === "24:00") return 24 * 60;
  const [hh, mm] = text.split(":").map(Number);
  return hh * 60 + mm;
}

Deno.test("`openingsBetween()` keeps wall-clock hours, off only by the DST change inside an opening (property)", () => {
  fc.assert(
    fc.property(scenarioArb, ({ raw, now }) => {
      const checked = validateKitchenConfig(raw);
      fc.pre(checked.ok);
      const cfg = (checked as { value: KitchenConfig }).value;
      const zoned = (d: Date) =>
        Temporal.Instant.fromEpochMilliseconds(d.getTime()).toZonedDateTimeISO(cfg.timeZone);
      for (const o of openingsBetween(cfg, now, new Date(now.getTime() + 2 * DAY_MS))) {
        const open = zoned(o.open);
        const close = zoned(o.close);
        const actualWall = open.toPlainDateTime();
        const midnight = o.businessDate.toPlainDateTime();
        // The configured opening it came from: its wall time exactly, or one skipped by a gap
        // (an opening wholly inside a gap lands on the next one's start: both are returned).
        const explained = cfg.hours[WEEKDAYS[o.businessDate.dayOfWeek - 1]]!.filter((h) => {
          const wall = midnight.add({ minutes: minutesOf(h.open) });
          return actualWall.equals(wall) ||
            (inGap(wall, cfg.timeZone) &&
              Temporal.PlainDateTime.compare(actualWall, wall) > 0 &&
              actualWall.since(wall).total("minutes") <= 60);
        }).map((configured) => {
          const openMinute = minutesOf(configured.open);
          let wallMinutes = minutesOf(configured.close) - openMinute;
          if (wallMinutes <= 0) wallMinutes += 24 * 60;
          const gapPush = actualWall.since(midnight.add({ minutes: openMinute })).total("minutes");
          const offsetChange = (close.offsetNanoseconds - open.offsetNanoseconds) / 60e9;
          // Clocks moved forward inside the opening → less real time; moved back → more.
          return wallMinutes - gapPush - offsetChange +
            closeGapPush(o, configured.close, cfg.timeZone);
        });
        assert.ok(explained.length > 0, `opening at ${open} matches the configured hours`);
        const realMinutes = (o.close.getTime() - o.open.getTime()) / MINUTE;
        assert.ok(
          explained.includes(realMinutes),
          `${o.open.toISOString()} → ${o.close.toISOString()}: ${realMinutes} min, ` +
            `configured hours explain ${explained.join(" or ")}`,
        );
      }
    }),
    { numRuns: 300 },
  );
});

/** How far a close time that fell into a gap was pushed later. */
function closeGapPush(o: Opening, closeText: string, zone: string): number {
  const actual = Temporal.Instant.fromEpochMilliseconds(o.close.getTime()).toZonedDateTimeISO(zone)
    .toPlainDateTime();
  const closeMinute = minutesOf(closeText);
  const closeDate = actual.toPlainDate();
  const wall = closeDate.toPlainDateTime().add({ minutes: closeMinute % (24 * 60) });
  return inGap(wall, zone) ? actual.since(wall).total("minutes") : 0;
}
