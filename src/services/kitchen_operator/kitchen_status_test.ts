import assert from "node:assert/strict";
import { DEFAULT_KITCHEN } from "../../domain/kitchen_config.ts";
import { businessDateOf, slotsOfDay } from "../../domain/slot_plan.ts";
import { invalidReason, nextStatus, sameStatus, todayLoad } from "./kitchen_status.ts";

const T0 = new Date("2026-11-26T09:00:00Z");
const T1 = new Date("2026-11-26T09:05:00Z");

Deno.test("invalidReason() names the most specific problem", () => {
  const v = (field: string, reason = "bad") => ({ field, reason });
  assert.equal(invalidReason([v("spec.capacity"), v("metadata.name")]), "InvalidName");
  assert.equal(invalidReason([v("spec.timeZone")]), "UnknownTimeZone");
  assert.equal(
    invalidReason([v("spec.hours.mon[1]", "overlaps another opening (mon 10:00–14:00)")]),
    "OverlappingHours",
  );
  assert.equal(
    invalidReason([v("spec.hours.mon[0]", "must be at least one slot long")]),
    "InvalidHours",
  );
  assert.equal(invalidReason([v("spec.stations[0]")]), "InvalidSpec");
});

Deno.test("nextStatus() marks an applied spec Ready and an invalid one Invalid", () => {
  const applied = nextStatus(
    undefined,
    1,
    { kind: "applied", version: 3, changed: true },
    undefined,
    T0,
  );
  assert.equal(applied.observedGeneration, 1);
  assert.equal(applied.appliedVersion, 3);
  assert.deepEqual(applied.conditions!.map((c) => [c.type, c.status, c.reason]), [
    ["Ready", "True", "Applied"],
    ["Invalid", "False", "Valid"],
  ]);
  assert.ok(applied.conditions!.every((c) => c.observedGeneration === 1));

  const invalid = nextStatus(
    applied,
    2,
    {
      kind: "invalid",
      violations: [{ field: "spec.timeZone", reason: "must be an IANA time zone name" }],
    },
    undefined,
    T1,
  );
  assert.equal(invalid.observedGeneration, 2);
  assert.equal(invalid.appliedVersion, 3, "the last applied version stays");
  const [ready, inv] = invalid.conditions!;
  assert.deepEqual([ready.status, ready.reason], ["False", "UnknownTimeZone"]);
  assert.match(ready.message, /^not applied: spec\.timeZone: must be/);
  assert.deepEqual([inv.status, inv.reason], ["True", "UnknownTimeZone"]);
  assert.equal(ready.lastTransitionTime, T1.toISOString(), "Ready changed");
});

Deno.test("nextStatus() keeps lastTransitionTime while a condition's status holds", () => {
  const first = nextStatus(
    undefined,
    1,
    { kind: "applied", version: 1, changed: true },
    undefined,
    T0,
  );
  const second = nextStatus(
    first,
    2,
    { kind: "applied", version: 2, changed: true },
    undefined,
    T1,
  );
  assert.ok(second.conditions!.every((c) => c.lastTransitionTime === T0.toISOString()));
  const failed = nextStatus(second, 3, { kind: "failed", message: "db down" }, undefined, T1);
  assert.deepEqual(failed.conditions!.map((c) => [c.type, c.status, c.reason]), [
    ["Ready", "False", "ApplyFailed"],
    ["Invalid", "False", "Valid"],
  ]);
});

Deno.test("sameStatus() ignores only the time of the load reading", () => {
  const today = {
    date: "2026-11-26",
    unit: "value",
    booked: 5,
    capacity: 100,
    slots: 4,
    fillRatio: 0.05,
    fill: "5%",
    asOf: T0.toISOString(),
  };
  const a = nextStatus(undefined, 1, { kind: "applied", version: 1, changed: true }, today, T0);
  const b = nextStatus(a, 1, { kind: "applied", version: 1, changed: false }, {
    ...today,
    asOf: T1.toISOString(),
  }, T1);
  assert.ok(sameStatus(a, b));
  // Key order does not matter (the API server sorts keys).
  assert.ok(sameStatus(Object.fromEntries(Object.entries(a).reverse()), b));
  const c = nextStatus(a, 1, { kind: "applied", version: 1, changed: false }, {
    ...today,
    booked: 6,
  }, T1);
  assert.ok(!sameStatus(a, c));
});

Deno.test("todayLoad() sums today's slot loads against the day's capacity", async () => {
  const now = new Date("2026-11-26T12:00:00Z"); // 15:00 in Moscow
  const slots = slotsOfDay(DEFAULT_KITCHEN, businessDateOf(DEFAULT_KITCHEN, now));
  const asked: string[] = [];
  const today = await todayLoad(DEFAULT_KITCHEN, now, (ids) => {
    asked.push(...ids);
    return Promise.resolve(ids.map((_id, i) => (i < 2 ? 1_000_000 : 0)));
  });
  assert.deepEqual(asked, slots.map((s) => s.id));
  assert.equal(today.date, "2026-11-26");
  assert.equal(today.slots, 52); // 10:00–23:00 in 15-minute slots
  assert.equal(today.booked, 2_000_000);
  assert.equal(today.capacity, 52 * 2_000_000);
  assert.equal(today.fillRatio, Math.round((2 / 104) * 10_000) / 10_000);
  assert.equal(today.fill, "2%");
  assert.equal(today.unit, "value");
});

/** A week in which every day differs: closed, split, around the clock, and past midnight. */
const VARIED_WEEK = {
  tue: [{ open: "10:00", close: "14:00" }, { open: "15:00", close: "18:00" }], // 28 slots
  wed: [{ open: "00:00", close: "24:00" }], // 96
  thu: [{ open: "18:00", close: "02:00" }], // 32
  fri: [{ open: "06:00", close: "23:00" }], // 68
  sat: [{ open: "11:00", close: "03:00" }], // 64 (60 or 68 across a DST change)
  sun: [{ open: "03:00", close: "22:00" }], // 76
};

Deno.test("todayLoad() counts the business day at its clock's instant: each weekday, around midnight, month and year ends, DST changes", async () => {
  // [local time in the zone, zone, expected business date, expected slots]
  const cases: [string, string, string, number][] = [
    ["2027-03-01T12:00", "Europe/Berlin", "2027-03-01", 0], // Monday: closed
    ["2027-03-02T12:00", "Europe/Berlin", "2027-03-02", 28],
    ["2027-03-03T12:00", "Europe/Berlin", "2027-03-03", 96],
    ["2027-03-04T12:00", "Europe/Berlin", "2027-03-04", 32], // opens tonight
    ["2027-03-05T01:00", "Europe/Berlin", "2027-03-04", 32], // Thursday's opening, after midnight
    ["2027-03-05T12:00", "Europe/Berlin", "2027-03-05", 68],
    ["2027-03-06T12:00", "Europe/Berlin", "2027-03-06", 64],
    ["2027-03-07T02:59", "Europe/Berlin", "2027-03-06", 64], // Saturday's, a minute before it closes
    ["2027-03-07T03:00", "Europe/Berlin", "2027-03-07", 76],
    ["2027-03-07T23:59", "Europe/Berlin", "2027-03-07", 76],
    ["2027-03-08T00:01", "Europe/Berlin", "2027-03-08", 0],
    ["2027-03-31T23:59", "Europe/Berlin", "2027-03-31", 96], // month end (Wednesday)
    ["2027-04-01T00:01", "Europe/Berlin", "2027-04-01", 32],
    ["2027-12-31T23:59", "Europe/Berlin", "2027-12-31", 68], // New Year's Eve (Friday)
    ["2028-01-01T00:01", "Europe/Berlin", "2028-01-01", 64],
    // Saturday 11:00 to Sunday 03:00 across the DST change: 15 h in spring, 17 h in autumn.
    ["2027-03-28T01:59", "Europe/Berlin", "2027-03-27", 60],
    ["2027-03-28T12:00", "Europe/Berlin", "2027-03-28", 76],
    ["2027-10-31T02:30", "Europe/Berlin", "2027-10-30", 68],
    ["2027-03-14T01:59", "America/New_York", "2027-03-13", 60],
    ["2027-11-07T01:30", "America/New_York", "2027-11-06", 68],
    ["2027-11-07T12:00", "America/New_York", "2027-11-07", 76],
    // Far from UTC: Kiritimati's Monday noon is Sunday in UTC, Pago Pago's Tuesday noon Tuesday
    // night.
    ["2027-03-01T12:00", "Pacific/Kiritimati", "2027-03-01", 0],
    ["2027-03-02T12:00", "Pacific/Pago_Pago", "2027-03-02", 28],
  ];
  for (const [local, zone, date, slots] of cases) {
    const kitchen = { ...DEFAULT_KITCHEN, timeZone: zone, capacity: 10, hours: VARIED_WEEK };
    const now = new Date(
      Temporal.PlainDateTime.from(local).toZonedDateTime(zone).epochMilliseconds,
    );
    const today = await todayLoad(kitchen, now, (ids) => Promise.resolve(ids.map(() => 1)));
    const what = `${local} ${zone}`;
    assert.equal(today.date, date, what);
    assert.equal(today.slots, slots, what);
    assert.equal(today.booked, slots, what);
    assert.equal(today.capacity, 10 * slots, what);
    assert.equal(today.asOf, now.toISOString(), what);
  }
});
