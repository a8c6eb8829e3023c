import assert from "node:assert/strict";
import { everyDay, kitchen } from "./_test_kitchen.ts";
import {
  businessDateOf,
  localDateOf,
  type Opening,
  openingAt,
  openingsBetween,
  openingsOn,
  parseClock,
  weekdayOf,
} from "./opening_hours.ts";

const date = (text: string) => Temporal.PlainDate.from(text);
const at = (text: string) => new Date(text);

function show(openings: readonly Opening[]): string[] {
  return openings.map((o) =>
    `${o.businessDate} ${o.open.toISOString()} → ${o.close.toISOString()}`
  );
}

Deno.test("`parseClock()` reads HH:MM as minutes after midnight", () => {
  assert.equal(parseClock("00:00", "open"), 0);
  assert.equal(parseClock("10:30", "open"), 630);
  assert.equal(parseClock("23:59", "close"), 1439);
});

Deno.test("`parseClock()` accepts 24:00 as a closing time only", () => {
  assert.equal(parseClock("24:00", "close"), 1440);
  assert.equal(parseClock("24:00", "open"), undefined);
});

Deno.test("`parseClock()` rejects malformed times", () => {
  for (const bad of ["", "9:00", "09:0", "24:01", "25:00", "12:60", "12.30", " 12:30", "1230"]) {
    assert.equal(parseClock(bad, "close"), undefined, bad);
  }
});

Deno.test("`weekdayOf()` maps ISO weekdays to config keys", () => {
  assert.equal(weekdayOf(date("2026-11-23")), "mon");
  assert.equal(weekdayOf(date("2026-11-26")), "thu");
  assert.equal(weekdayOf(date("2026-11-29")), "sun");
});

Deno.test("`openingsOn()` turns Moscow wall-clock hours into UTC instants", () => {
  const cfg = kitchen();
  assert.deepEqual(show(openingsOn(cfg, date("2026-11-26"))), [
    "2026-11-26 2026-11-26T07:00:00.000Z → 2026-11-26T20:00:00.000Z",
  ]);
});

Deno.test("`openingsOn()` closes after midnight when close is not after open, and at midnight for 24:00", () => {
  const cfg = kitchen({
    hours: {
      thu: [{ open: "18:00", close: "02:00" }],
      fri: [{ open: "00:00", close: "24:00" }],
      sat: [{ open: "12:00", close: "12:00" }],
    },
  });
  assert.deepEqual(show(openingsOn(cfg, date("2026-11-26"))), [
    "2026-11-26 2026-11-26T15:00:00.000Z → 2026-11-26T23:00:00.000Z",
  ]);
  assert.deepEqual(show(openingsOn(cfg, date("2026-11-27"))), [
    "2026-11-27 2026-11-26T21:00:00.000Z → 2026-11-27T21:00:00.000Z",
  ]);
  assert.deepEqual(show(openingsOn(cfg, date("2026-11-28"))), [
    "2026-11-28 2026-11-28T09:00:00.000Z → 2026-11-29T09:00:00.000Z",
  ]);
});

Deno.test("`openingsOn()` lists a day's openings earliest first, whatever the config order", () => {
  const cfg = kitchen({
    hours: { thu: [{ open: "17:00", close: "22:00" }, { open: "10:00", close: "14:00" }] },
  });
  assert.deepEqual(
    openingsOn(cfg, date("2026-11-26")).map((o) => o.open.toISOString()),
    ["2026-11-26T07:00:00.000Z", "2026-11-26T14:00:00.000Z"],
  );
});

Deno.test("`openingsOn()` gives real elapsed time on Berlin's DST days (5 h in spring, 7 h in autumn)", () => {
  const cfg = kitchen({
    timeZone: "Europe/Berlin",
    hours: { sun: [{ open: "00:00", close: "06:00" }] },
  });
  const [spring] = openingsOn(cfg, date("2026-03-29"));
  assert.equal(spring.open.toISOString(), "2026-03-28T23:00:00.000Z");
  assert.equal(spring.close.toISOString(), "2026-03-29T04:00:00.000Z");
  const [autumn] = openingsOn(cfg, date("2026-10-25"));
  assert.equal(autumn.open.toISOString(), "2026-10-24T22:00:00.000Z");
  assert.equal(autumn.close.toISOString(), "2026-10-25T05:00:00.000Z");
});

Deno.test("`openingsOn()` moves an opening time skipped by spring-forward later, and takes the first of a repeated time", () => {
  const cfg = kitchen({
    timeZone: "Europe/Berlin",
    hours: { sun: [{ open: "02:30", close: "04:00" }] },
  });
  const [skipped] = openingsOn(cfg, date("2026-03-29"));
  assert.equal(skipped.open.toISOString(), "2026-03-29T01:30:00.000Z"); // 03:30 CEST
  assert.equal(skipped.close.toISOString(), "2026-03-29T02:00:00.000Z"); // 04:00 CEST
  const [repeated] = openingsOn(cfg, date("2026-10-25"));
  assert.equal(repeated.open.toISOString(), "2026-10-25T00:30:00.000Z"); // the first 02:30, CEST
  assert.equal(repeated.close.toISOString(), "2026-10-25T03:00:00.000Z"); // 04:00 CET
});

Deno.test("`openingsOn()` leaves out an opening that lies wholly inside the spring-forward gap", () => {
  const cfg = kitchen({
    timeZone: "Europe/Berlin",
    hours: { sun: [{ open: "02:00", close: "03:00" }] },
  });
  assert.deepEqual(openingsOn(cfg, date("2026-03-29")), []);
  assert.equal(openingsOn(cfg, date("2026-04-05")).length, 1);
});

Deno.test("`openingsOn()` moves a short opening inside the gap to its end, beside the next opening", () => {
  // Sydney springs forward from 02:00 to 03:00 on 2026-10-04: 02:00–02:05 becomes 03:00–03:05.
  const cfg = kitchen({
    timeZone: "Australia/Sydney",
    hours: { sun: [{ open: "02:00", close: "02:05" }, { open: "03:00", close: "24:00" }] },
  });
  assert.deepEqual(show(openingsOn(cfg, date("2026-10-04"))), [
    "2026-10-04 2026-10-03T16:00:00.000Z → 2026-10-03T16:05:00.000Z",
    "2026-10-04 2026-10-03T16:00:00.000Z → 2026-10-04T13:00:00.000Z",
  ]);
});

Deno.test("`openingsOn()` is empty on a weekday without hours", () => {
  const cfg = kitchen({ hours: { mon: [{ open: "10:00", close: "23:00" }] } });
  assert.deepEqual(openingsOn(cfg, date("2026-11-26")), []);
});

Deno.test("`openingsOn()` refuses malformed hours instead of guessing", () => {
  const cfg = kitchen({ hours: { thu: [{ open: "10", close: "23:00" }] } });
  assert.throws(() => openingsOn(cfg, date("2026-11-26")), RangeError);
});

Deno.test("`openingsBetween()` returns the openings overlapping the range, including last night's", () => {
  const cfg = kitchen({ hours: everyDay({ open: "18:00", close: "02:00" }) });
  // 2026-11-27 01:00 → 20:00 MSK
  assert.deepEqual(
    show(openingsBetween(cfg, at("2026-11-26T22:00:00Z"), at("2026-11-27T17:00:00Z"))),
    [
      "2026-11-26 2026-11-26T15:00:00.000Z → 2026-11-26T23:00:00.000Z",
      "2026-11-27 2026-11-27T15:00:00.000Z → 2026-11-27T23:00:00.000Z",
    ],
  );
});

Deno.test("`openingsBetween()` treats the range as half-open", () => {
  const cfg = kitchen();
  // Ends exactly when Thursday's opening starts, starts exactly when Wednesday's closed.
  assert.deepEqual(
    openingsBetween(cfg, at("2026-11-25T20:00:00Z"), at("2026-11-26T07:00:00Z")),
    [],
  );
  assert.equal(
    openingsBetween(cfg, at("2026-11-25T19:59:59.999Z"), at("2026-11-26T07:00:00Z")).length,
    1,
  );
  assert.deepEqual(
    openingsBetween(cfg, at("2026-11-26T12:00:00Z"), at("2026-11-26T12:00:00Z")),
    [],
  );
});

Deno.test("`openingsBetween()` covers a week, one opening per open day", () => {
  const cfg = kitchen({
    hours: { mon: [{ open: "10:00", close: "23:00" }], fri: [{ open: "10:00", close: "23:00" }] },
  });
  const week = openingsBetween(cfg, at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z"));
  assert.deepEqual(week.map((o) => o.businessDate.toString()), ["2026-11-23", "2026-11-27"]);
});

Deno.test("`openingsBetween()` refuses an absurdly wide range", () => {
  assert.throws(
    () => openingsBetween(kitchen(), at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z")),
    RangeError,
  );
});

Deno.test("`openingAt()` finds the opening containing an instant, open inclusive and close exclusive", () => {
  const cfg = kitchen();
  assert.equal(openingAt(cfg, at("2026-11-26T07:00:00Z"))?.businessDate.toString(), "2026-11-26");
  assert.equal(
    openingAt(cfg, at("2026-11-26T19:59:59.999Z"))?.businessDate.toString(),
    "2026-11-26",
  );
  assert.equal(openingAt(cfg, at("2026-11-26T20:00:00Z")), undefined);
  assert.equal(openingAt(cfg, at("2026-11-26T06:59:59.999Z")), undefined);
});

Deno.test("`businessDateOf()` is the date the opening started on, after midnight too", () => {
  const cfg = kitchen({ hours: everyDay({ open: "18:00", close: "02:00" }) });
  // 01:10 MSK on Friday belongs to Thursday's opening.
  assert.equal(businessDateOf(cfg, at("2026-11-26T22:10:00Z")).toString(), "2026-11-26");
  // 03:00 MSK on Friday: closed, so the local date.
  assert.equal(businessDateOf(cfg, at("2026-11-27T00:00:00Z")).toString(), "2026-11-27");
});

Deno.test("`businessDateOf()` uses the kitchen's local date, not the UTC date, when closed", () => {
  // 2026-11-26T22:30Z is 01:30 on the 27th in Moscow and 17:30 on the 26th in New York.
  const instant = at("2026-11-26T22:30:00Z");
  assert.equal(businessDateOf(kitchen(), instant).toString(), "2026-11-27");
  assert.equal(
    localDateOf(kitchen({ timeZone: "America/New_York" }), instant).toString(),
    "2026-11-26",
  );
});
