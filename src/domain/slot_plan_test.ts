import assert from "node:assert/strict";
import { everyDay, iso, kitchen } from "./_test_kitchen.ts";
import { SlotLedger } from "./reservation_model.ts";
import {
  businessDateOf,
  CLOSED_REASONS,
  MAX_CANDIDATE_SLOTS,
  planSlots,
  type Slot,
  type SlotSearch,
  slotsOf,
  visibleAt,
} from "./slot_plan.ts";

const at = (text: string) => new Date(text);
const MINUTE = 60_000;

function slotsOrFail(search: SlotSearch): readonly Slot[] {
  if (search.kind !== "slots") assert.fail(`expected slots, got closed: ${search.reason}`);
  return search.slots;
}

function closedOrFail(search: SlotSearch): { reason: string; nextOpening?: Date } {
  if (search.kind !== "closed") assert.fail(`expected closed, got ${search.slots.length} slots`);
  return search;
}

/** Asserts that the slots follow each other without gaps, each `minutes` of real time. */
function assertBackToBack(slots: readonly Slot[], minutes: number): void {
  for (const [i, slot] of slots.entries()) {
    assert.equal(slot.end.getTime() - slot.start.getTime(), minutes * MINUTE, `slot ${i} length`);
    if (i > 0) assert.equal(slot.start.getTime(), slots[i - 1].end.getTime(), `slot ${i} start`);
  }
}

// Moscow is UTC+3 all year; 2026-11-26 is a Thursday.

Deno.test("`planSlots()` offers the rest of today's 15-minute slots from the next slot start", () => {
  const search = planSlots(kitchen(), at("2026-11-26T09:07:00Z")); // 12:07 MSK
  const slots = slotsOrFail(search);
  assert.equal(slots[0].start.toISOString(), "2026-11-26T09:15:00.000Z"); // 12:15 MSK
  assert.equal(slots[0].end.toISOString(), "2026-11-26T09:30:00.000Z");
  assert.equal(slots[0].id, `slot:main:${Date.parse("2026-11-26T09:15:00Z") / 1000}`);
  assert.equal(slots[0].businessDate.toString(), "2026-11-26");
  assert.equal(slots.length, 43); // 12:15 … 22:45
  assert.equal(slots.at(-1)!.end.toISOString(), "2026-11-26T20:00:00.000Z"); // 23:00 MSK
  assertBackToBack(slots, 15);
  assert.equal(
    search.kind === "slots" && search.horizonEnd.toISOString(),
    "2026-11-26T20:00:00.000Z",
  );
});

Deno.test("`planSlots()` includes a slot starting exactly now, not one that started a moment ago", () => {
  assert.equal(
    slotsOrFail(planSlots(kitchen(), at("2026-11-26T09:15:00.000Z")))[0].start.toISOString(),
    "2026-11-26T09:15:00.000Z",
  );
  assert.equal(
    slotsOrFail(planSlots(kitchen(), at("2026-11-26T09:15:00.001Z")))[0].start.toISOString(),
    "2026-11-26T09:30:00.000Z",
  );
});

Deno.test("`planSlots()` starts at the opening instant when called exactly at opening", () => {
  const slots = slotsOrFail(planSlots(kitchen(), at("2026-11-26T07:00:00Z")));
  assert.equal(slots[0].start.toISOString(), "2026-11-26T07:00:00.000Z");
  assert.equal(slots.length, 52); // 13 hours
});

Deno.test("`planSlots()` lists candidates in booking order, so a full slot spills into the next", () => {
  const cfg = kitchen({ capacity: 200_000 });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T09:07:00Z")));
  const ledger = new SlotLedger();
  const ids = slots.map((s) => s.id);
  assert.equal(ledger.reserve(ids, 192_400, cfg.capacity, "first"), slots[0].id);
  assert.equal(ledger.reserve(ids, 192_400, cfg.capacity, "second"), slots[1].id);
  assert.equal(ledger.reserve(ids, 7_600, cfg.capacity, "small"), slots[0].id);
});

Deno.test("`planSlots()` never offers a slot that would end after closing", () => {
  const cfg = kitchen({ hours: everyDay({ open: "10:00", close: "22:50" }) });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T18:00:00Z"))); // 21:00 MSK
  assert.deepEqual(iso(slots).at(-1), "2026-11-26T19:30:00.000Z"); // 22:30–22:45 MSK
  assert.ok(slots.every((s) => s.end.getTime() <= Date.parse("2026-11-26T19:50:00Z")));
  assert.equal(
    closedOrFail(planSlots(cfg, at("2026-11-26T19:40:00Z"))).reason,
    CLOSED_REASONS.lastSlotStarted,
  );
});

Deno.test("`planSlots()` offers only the last slot when called as it starts", () => {
  const slots = slotsOrFail(planSlots(kitchen(), at("2026-11-26T19:45:00Z"))); // 22:45 MSK
  assert.deepEqual(iso(slots), ["2026-11-26T19:45:00.000Z"]);
});

Deno.test("`planSlots()` is closed once the last slot has started, naming tomorrow's opening", () => {
  const closed = closedOrFail(planSlots(kitchen(), at("2026-11-26T19:50:00Z"))); // 22:50 MSK
  assert.equal(closed.reason, "last slot of the day has started");
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-27T07:00:00.000Z"); // 10:00 MSK
});

Deno.test("`planSlots()` is closed outside working hours, naming the next opening today or tomorrow", () => {
  const morning = closedOrFail(planSlots(kitchen(), at("2026-11-26T06:30:00Z"))); // 09:30 MSK
  assert.equal(morning.reason, "outside working hours");
  assert.equal(morning.nextOpening?.toISOString(), "2026-11-26T07:00:00.000Z");
  const night = closedOrFail(planSlots(kitchen(), at("2026-11-26T20:30:00Z"))); // 23:30 MSK
  assert.equal(night.reason, "outside working hours");
  assert.equal(night.nextOpening?.toISOString(), "2026-11-27T07:00:00.000Z");
});

Deno.test("`planSlots()` skips closed weekdays when naming the next opening", () => {
  const weekdays = { open: "10:00", close: "23:00" };
  const cfg = kitchen({
    hours: { mon: [weekdays], tue: [weekdays], wed: [weekdays], thu: [weekdays], fri: [weekdays] },
  });
  // Friday 2026-11-27 23:30 MSK → Monday 2026-11-30 10:00 MSK.
  const closed = closedOrFail(planSlots(cfg, at("2026-11-27T20:30:00Z")));
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-30T07:00:00.000Z");
  // Saturday noon.
  assert.equal(
    closedOrFail(planSlots(cfg, at("2026-11-28T09:00:00Z"))).nextOpening?.toISOString(),
    "2026-11-30T07:00:00.000Z",
  );
});

Deno.test("`planSlots()` finds a next opening almost a week away for a one-day-a-week kitchen", () => {
  const cfg = kitchen({ hours: { mon: [{ open: "10:00", close: "23:00" }] } });
  // Monday 2026-11-23 23:30 MSK → Monday 2026-11-30 10:00 MSK.
  assert.equal(
    closedOrFail(planSlots(cfg, at("2026-11-23T20:30:00Z"))).nextOpening?.toISOString(),
    "2026-11-30T07:00:00.000Z",
  );
});

Deno.test("`planSlots()` gives no next opening for a kitchen without hours", () => {
  const closed = closedOrFail(planSlots(kitchen({ hours: {} }), at("2026-11-26T09:00:00Z")));
  assert.equal(closed.reason, "outside working hours");
  assert.equal(closed.nextOpening, undefined);
  assert.equal("nextOpening" in closed, false);
});

Deno.test("`planSlots()` is closed with no next opening while the kitchen is not accepting orders", () => {
  const cfg = kitchen({ acceptingOrders: false });
  for (const requested of [undefined, at("2026-11-26T15:00:00Z")]) {
    const closed = closedOrFail(planSlots(cfg, at("2026-11-26T09:07:00Z"), requested));
    assert.equal(closed.reason, "kitchen is not accepting orders");
    assert.equal(closed.nextOpening, undefined);
  }
});

Deno.test("`planSlots()` continues past midnight: at 01:10 in an 18:00–02:00 opening, slots run to 01:45", () => {
  const cfg = kitchen({ hours: everyDay({ open: "18:00", close: "02:00" }) });
  const now = at("2026-11-26T22:10:00Z"); // Friday 01:10 MSK
  const slots = slotsOrFail(planSlots(cfg, now));
  assert.deepEqual(iso(slots), [
    "2026-11-26T22:15:00.000Z", // 01:15 MSK
    "2026-11-26T22:30:00.000Z",
    "2026-11-26T22:45:00.000Z", // 01:45–02:00 MSK
  ]);
  assert.ok(slots.every((s) => s.businessDate.toString() === "2026-11-26"));
  assert.equal(businessDateOf(cfg, now).toString(), "2026-11-26");
});

Deno.test("`planSlots()` runs an evening opening's slots across midnight without a break", () => {
  const cfg = kitchen({ hours: everyDay({ open: "18:00", close: "02:00" }) });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T20:50:00Z"))); // 23:50 MSK
  assert.equal(slots[0].start.toISOString(), "2026-11-26T21:00:00.000Z"); // 00:00 MSK
  assert.equal(slots.length, 8);
  assertBackToBack(slots, 15);
});

Deno.test("`planSlots()` counts 20 slots in Berlin's 00:00–06:00 on spring-forward day 2026-03-29", () => {
  const cfg = kitchen({
    timeZone: "Europe/Berlin",
    hours: { sun: [{ open: "00:00", close: "06:00" }] },
  });
  const slots = slotsOrFail(planSlots(cfg, at("2026-03-28T23:00:00Z"))); // 00:00 CET
  assert.equal(slots.length, 20);
  assertBackToBack(slots, 15);
  assert.equal(slots.at(-1)!.end.toISOString(), "2026-03-29T04:00:00.000Z"); // 06:00 CEST
  // 01:45 CET is followed by 03:00 CEST: fifteen real minutes.
  assert.ok(iso(slots).includes("2026-03-29T00:45:00.000Z"));
  assert.ok(iso(slots).includes("2026-03-29T01:00:00.000Z"));
});

Deno.test("`planSlots()` counts 28 slots in Berlin's 00:00–06:00 on fall-back day 2026-10-25", () => {
  const cfg = kitchen({
    timeZone: "Europe/Berlin",
    hours: { sun: [{ open: "00:00", close: "06:00" }] },
  });
  const slots = slotsOrFail(planSlots(cfg, at("2026-10-24T22:00:00Z"))); // 00:00 CEST
  assert.equal(slots.length, 28);
  assertBackToBack(slots, 15);
  assert.equal(slots.at(-1)!.end.toISOString(), "2026-10-25T05:00:00.000Z"); // 06:00 CET
  assert.equal(new Set(slots.map((s) => s.id)).size, 28); // the repeated hour gets its own ids
});

Deno.test("`planSlots()` counts 20 and 28 slots on New York's DST days too", () => {
  const cfg = kitchen({
    timeZone: "America/New_York",
    hours: { sun: [{ open: "00:00", close: "06:00" }] },
  });
  const spring = slotsOrFail(planSlots(cfg, at("2026-03-08T05:00:00Z"))); // 00:00 EST
  assert.equal(spring.length, 20);
  assert.equal(spring.at(-1)!.end.toISOString(), "2026-03-08T10:00:00.000Z"); // 06:00 EDT
  const autumn = slotsOrFail(planSlots(cfg, at("2026-11-01T04:00:00Z"))); // 00:00 EDT
  assert.equal(autumn.length, 28);
  assert.equal(autumn.at(-1)!.end.toISOString(), "2026-11-01T11:00:00.000Z"); // 06:00 EST
});

Deno.test("`planSlots()` keeps a normal day's 24 slots in Moscow, which has no DST", () => {
  const cfg = kitchen({ hours: { sun: [{ open: "00:00", close: "06:00" }] } });
  for (const day of ["2026-03-29", "2026-10-25"]) {
    const open = Temporal.PlainDate.from(day).toZonedDateTime("Europe/Moscow").epochMilliseconds;
    assert.equal(slotsOrFail(planSlots(cfg, new Date(open))).length, 24, day);
  }
});

Deno.test("`planSlots()` keeps slot length in real minutes across an odd slot size", () => {
  const cfg = kitchen({ slotMinutes: 25, hours: everyDay({ open: "10:00", close: "11:00" }) });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T07:00:00Z")));
  assert.deepEqual(iso(slots), ["2026-11-26T07:00:00.000Z", "2026-11-26T07:25:00.000Z"]);
});

Deno.test("`planSlots()` carries a 24-hour kitchen's order at 23:50 into the next day's first slot", () => {
  const cfg = kitchen({ hours: everyDay({ open: "00:00", close: "24:00" }) });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T20:50:00Z"))); // 23:50 MSK
  assert.equal(slots[0].start.toISOString(), "2026-11-26T21:00:00.000Z"); // 00:00 MSK Friday
  assert.equal(slots[0].businessDate.toString(), "2026-11-27");
  assertBackToBack(slots, 15);
});

Deno.test("`planSlots()` continues ASAP into a back-to-back opening but not across a break", () => {
  const split = kitchen({
    hours: everyDay({ open: "10:00", close: "14:00" }, { open: "14:00", close: "18:00" }),
  });
  const slots = slotsOrFail(planSlots(split, at("2026-11-26T10:50:00Z"))); // 13:50 MSK
  assert.equal(slots[0].start.toISOString(), "2026-11-26T11:00:00.000Z"); // 14:00 MSK
  assert.equal(slots.at(-1)!.end.toISOString(), "2026-11-26T15:00:00.000Z"); // 18:00 MSK
  const lunch = kitchen({
    hours: everyDay({ open: "10:00", close: "14:00" }, { open: "15:00", close: "18:00" }),
  });
  const closed = closedOrFail(planSlots(lunch, at("2026-11-26T10:50:00Z")));
  assert.equal(closed.reason, CLOSED_REASONS.lastSlotStarted);
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-26T12:00:00.000Z"); // 15:00 MSK
});

Deno.test("`planSlots()` books a pre-order into the first slot at or after the requested time", () => {
  const now = at("2026-11-26T09:07:00Z"); // 12:07 MSK
  const slots = slotsOrFail(planSlots(kitchen(), now, at("2026-11-26T15:05:00Z"))); // 18:05 MSK
  assert.equal(slots[0].start.toISOString(), "2026-11-26T15:15:00.000Z");
  assert.equal(slots.at(-1)!.start.toISOString(), "2026-11-26T19:45:00.000Z");
  const onBoundary = slotsOrFail(planSlots(kitchen(), now, at("2026-11-26T15:00:00Z")));
  assert.equal(onBoundary[0].start.toISOString(), "2026-11-26T15:00:00.000Z");
});

Deno.test("`planSlots()` treats a requested time just in the past as now", () => {
  const now = at("2026-11-26T09:07:00Z");
  const slots = slotsOrFail(planSlots(kitchen(), now, at("2026-11-26T09:06:30Z")));
  assert.equal(slots[0].start.toISOString(), "2026-11-26T09:15:00.000Z");
});

Deno.test("`planSlots()` books a pre-order placed before opening into today's hours", () => {
  const slots = slotsOrFail(
    planSlots(kitchen(), at("2026-11-26T05:00:00Z"), at("2026-11-26T06:00:00Z")),
  );
  assert.equal(slots[0].start.toISOString(), "2026-11-26T07:00:00.000Z"); // 10:00 MSK
});

Deno.test("`planSlots()` carries a pre-order across a lunch break to the next opening the same day", () => {
  const cfg = kitchen({
    hours: everyDay({ open: "10:00", close: "14:00" }, { open: "15:00", close: "22:00" }),
  });
  const slots = slotsOrFail(planSlots(cfg, at("2026-11-26T08:00:00Z"), at("2026-11-26T10:50:00Z")));
  assert.equal(slots[0].start.toISOString(), "2026-11-26T12:00:00.000Z"); // 15:00 MSK
});

Deno.test("`planSlots()` with horizon 0 rejects a pre-order for tomorrow, naming tomorrow's opening", () => {
  const closed = closedOrFail(
    planSlots(kitchen(), at("2026-11-26T09:07:00Z"), at("2026-11-27T09:00:00Z")), // tomorrow 12:00
  );
  assert.equal(
    closed.reason,
    "no working hours at or after the requested time within the booking horizon",
  );
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-27T07:00:00.000Z"); // tomorrow 10:00
});

Deno.test("`planSlots()` with horizon 0 rejects a pre-order after today's last slot", () => {
  const closed = closedOrFail(
    planSlots(kitchen(), at("2026-11-26T09:07:00Z"), at("2026-11-26T19:50:00Z")), // 22:50 MSK
  );
  assert.equal(closed.reason, CLOSED_REASONS.nothingInHorizon);
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-27T07:00:00.000Z");
});

Deno.test("`planSlots()` with horizon 1 accepts tomorrow but not the day after", () => {
  const cfg = kitchen({ bookingHorizonDays: 1 });
  const now = at("2026-11-26T09:07:00Z");
  const slots = slotsOrFail(planSlots(cfg, now, at("2026-11-27T09:00:00Z")));
  assert.equal(slots[0].start.toISOString(), "2026-11-27T09:00:00.000Z");
  assert.equal(slots.length, 44); // 12:00 … 22:45 tomorrow, nothing from the day after
  assert.ok(slots.every((s) => s.businessDate.toString() === "2026-11-27"));
  const lateToday = slotsOrFail(planSlots(cfg, now, at("2026-11-26T19:50:00Z")));
  assert.equal(lateToday[0].start.toISOString(), "2026-11-27T07:00:00.000Z");
  assert.equal(
    closedOrFail(planSlots(cfg, now, at("2026-11-28T09:00:00Z"))).reason,
    CLOSED_REASONS.nothingInHorizon,
  );
});

Deno.test("`planSlots()` counts the horizon from the business day that is still running after midnight", () => {
  const cfg = kitchen({ hours: everyDay({ open: "18:00", close: "02:00" }) });
  const now = at("2026-11-26T22:10:00Z"); // Friday 01:10 MSK, Thursday's business day
  const tonight = at("2026-11-27T16:00:00Z"); // Friday 19:00 MSK
  const closed = closedOrFail(planSlots(cfg, now, tonight));
  assert.equal(closed.nextOpening?.toISOString(), "2026-11-27T15:00:00.000Z"); // Friday 18:00 MSK
  const later = slotsOrFail(planSlots(cfg, now, at("2026-11-26T22:20:00Z")));
  assert.deepEqual(iso(later), ["2026-11-26T22:30:00.000Z", "2026-11-26T22:45:00.000Z"]);
  const withHorizon = slotsOrFail(planSlots({ ...cfg, bookingHorizonDays: 1 }, now, tonight));
  assert.equal(withHorizon[0].start.toISOString(), "2026-11-27T16:00:00.000Z");
});

Deno.test("`planSlots()` bounds the candidate list", () => {
  const cfg = kitchen({
    slotMinutes: 1,
    hours: everyDay({ open: "00:00", close: "24:00" }),
    bookingHorizonDays: 30,
  });
  const now = at("2026-11-26T09:07:00Z");
  const preOrder = slotsOrFail(planSlots(cfg, now, now));
  assert.equal(preOrder.length, MAX_CANDIDATE_SLOTS);
  assertBackToBack(preOrder, 1);
  const asap = slotsOrFail(planSlots(cfg, now));
  assert.ok(asap.length <= MAX_CANDIDATE_SLOTS);
  assertBackToBack(asap, 1);
});

Deno.test("`planSlots()` refuses an invalid now or requested time", () => {
  assert.throws(() => planSlots(kitchen(), new Date(Number.NaN)), RangeError);
  assert.throws(
    () => planSlots(kitchen(), at("2026-11-26T09:07:00Z"), new Date(Number.NaN)),
    RangeError,
  );
});

Deno.test("`slotsOf()` refuses a slot length that is not a positive whole number of minutes", () => {
  const opening = {
    businessDate: Temporal.PlainDate.from("2026-11-26"),
    open: at("2026-11-26T07:00:00Z"),
    close: at("2026-11-26T20:00:00Z"),
  };
  for (const slotMinutes of [0, -15, 7.5]) {
    assert.throws(
      () => slotsOf(kitchen({ slotMinutes }), opening),
      RangeError,
      String(slotMinutes),
    );
  }
});

Deno.test("`visibleAt()` is the lead time before the slot, never before now", () => {
  const slotStart = at("2026-11-26T09:30:00Z");
  assert.equal(
    visibleAt(slotStart, 30, at("2026-11-26T08:00:00Z")).toISOString(),
    "2026-11-26T09:00:00.000Z",
  );
  assert.equal(
    visibleAt(slotStart, 30, at("2026-11-26T09:10:00Z")).toISOString(),
    "2026-11-26T09:10:00.000Z",
  );
  assert.equal(
    visibleAt(slotStart, 0, at("2026-11-26T08:00:00Z")).toISOString(),
    "2026-11-26T09:30:00.000Z",
  );
});
