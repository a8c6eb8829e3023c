import assert from "node:assert/strict";
import {
  CASES,
  nextDstChange,
  nextLocal,
  nextMonthEnd,
  nextNewYearsEve,
  SWEPT_TESTS,
} from "./clock_sweep.ts";

const at = (iso: string) => Temporal.Instant.from(iso);
const inZone = (instant: Temporal.Instant, zone: string) =>
  instant.toZonedDateTimeISO(zone).toPlainDateTime().toString();

Deno.test("the sweep's instants are the next of their kind after now", () => {
  const now = at("2026-12-06T04:46:00Z"); // Sunday, 05:46 in Berlin
  const noon = Temporal.PlainTime.from("12:00");
  assert.equal(
    inZone(nextLocal(now, "Europe/Berlin", noon, 7), "Europe/Berlin"),
    "2026-12-06T12:00:00",
  );
  assert.equal(
    inZone(nextLocal(now, "Europe/Berlin", noon, 1), "Europe/Berlin"),
    "2026-12-07T12:00:00",
  );
  // Already past today: next week's.
  const late = at("2026-12-06T12:00:00Z");
  assert.equal(
    inZone(nextLocal(late, "Europe/Berlin", noon, 7), "Europe/Berlin"),
    "2026-12-13T12:00:00",
  );
  assert.equal(
    inZone(nextLocal(late, "Europe/Berlin", Temporal.PlainTime.from("00:01")), "Europe/Berlin"),
    "2026-12-07T00:01:00",
  );
  // December's end is New Year's Eve's case: the month end is January's.
  assert.equal(
    inZone(nextMonthEnd(now, "America/New_York"), "America/New_York"),
    "2027-01-31T23:59:00",
  );
  assert.equal(
    inZone(nextMonthEnd(at("2027-02-10T00:00:00Z"), "America/New_York"), "America/New_York"),
    "2027-02-28T23:59:00",
  );
  assert.equal(inZone(nextNewYearsEve(now, "Asia/Tokyo"), "Asia/Tokyo"), "2026-12-31T23:59:00");
  assert.equal(
    inZone(nextNewYearsEve(at("2027-01-01T00:00:00Z"), "Asia/Tokyo"), "Asia/Tokyo"),
    "2027-12-31T23:59:00",
  );
  // Berlin springs forward on 28 March 2027 at 01:00 UTC; New York falls back on 7 November.
  assert.equal(nextDstChange(now, "Europe/Berlin", "forward").toString(), "2027-03-28T01:00:00Z");
  assert.equal(nextDstChange(now, "Europe/Berlin", "back").toString(), "2027-10-31T01:00:00Z");
  assert.equal(nextDstChange(now, "America/New_York", "back").toString(), "2027-11-07T06:00:00Z");
  assert.throws(() => nextDstChange(now, "Asia/Tokyo", "forward"), /no DST change/);
});

Deno.test("the sweep covers every weekday, both sides of midnight, a month end, New Year's Eve and DST changes, all ahead of now and within a year", () => {
  const now = Temporal.Now.instant();
  const weekdays = new Set<number>();
  for (const c of CASES) {
    const instant = c.at(now);
    const ahead = now.until(instant).total("hours");
    assert.ok(ahead > 0 && ahead < 366 * 24, `${c.name} is ${ahead} h ahead`);
    const weekday = /^(mon|tue|wed|thu|fri|sat|sun)-\d{4}$/.exec(c.name)?.[1] ?? "";
    const day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].indexOf(weekday) + 1;
    if (day > 0) {
      assert.equal(instant.toZonedDateTimeISO(c.kitchenZone).dayOfWeek, day, c.name);
      weekdays.add(day);
    }
  }
  assert.equal(weekdays.size, 7);
  const local = (name: string) => {
    const c = CASES.find((c) => c.name === name)!;
    return c.at(now).toZonedDateTimeISO(c.kitchenZone);
  };
  assert.equal(local("mon-1200").toPlainTime().toString(), "12:00:00");
  assert.equal(local("wed-2359").toPlainTime().toString(), "23:59:00");
  assert.equal(local("thu-0001").toPlainTime().toString(), "00:01:00");
  const monthEnd = local("month-end");
  assert.equal(monthEnd.day, monthEnd.daysInMonth);
  assert.deepEqual([local("new-years-eve").month, local("new-years-eve").day], [12, 31]);
  for (const name of ["berlin-spring-forward", "new-york-fall-back"]) {
    const before = local(name);
    assert.notEqual(
      before.offset,
      before.add({ minutes: 2 }).offset,
      `${name}: the offset changes`,
    );
  }
  // Several process time zones, and every swept test file exists.
  assert.ok(new Set(CASES.map((c) => c.tz)).size >= 4);
  for (const file of SWEPT_TESTS) Deno.statSync(new URL(`../${file}`, import.meta.url));
});
