import assert from "node:assert/strict";
import type { FieldViolation } from "./errors.ts";
import type { KitchenConfig } from "./kitchen.ts";
import { DEFAULT_KITCHEN, isKitchenId, validateKitchenConfig } from "./kitchen_config.ts";
import { WEEKDAYS } from "./opening_hours.ts";

/** A valid raw config, as it would arrive as JSON. */
function rawConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...JSON.parse(JSON.stringify(DEFAULT_KITCHEN)), ...overrides };
}

function accept(raw: unknown): KitchenConfig {
  const result = validateKitchenConfig(raw);
  if (!result.ok) assert.fail(`expected valid, got ${JSON.stringify(result.violations)}`);
  return result.value;
}

function reject(raw: unknown): FieldViolation[] {
  const result = validateKitchenConfig(raw);
  if (result.ok) assert.fail("expected violations, got a valid config");
  return result.violations;
}

function fields(raw: unknown): string[] {
  return reject(raw).map((v) => v.field);
}

Deno.test("`DEFAULT_KITCHEN` is Moscow's central kitchen, open 10:00–23:00 daily, 15-minute slots of 20,000 ₽", () => {
  assert.equal(DEFAULT_KITCHEN.id, "main");
  assert.equal(DEFAULT_KITCHEN.displayName, "Ovenline — Центральная");
  assert.equal(DEFAULT_KITCHEN.timeZone, "Europe/Moscow");
  for (const day of WEEKDAYS) {
    assert.deepEqual(DEFAULT_KITCHEN.hours[day], [{ open: "10:00", close: "23:00" }], day);
  }
  assert.equal(DEFAULT_KITCHEN.slotMinutes, 15);
  assert.equal(DEFAULT_KITCHEN.leadMinutes, 30);
  assert.equal(DEFAULT_KITCHEN.capacity, 2_000_000);
  assert.equal(DEFAULT_KITCHEN.capacityUnit, "value");
  assert.equal(DEFAULT_KITCHEN.bookingHorizonDays, 0);
  assert.deepEqual(DEFAULT_KITCHEN.stations, ["pizza", "dessert"]);
  assert.equal(DEFAULT_KITCHEN.acceptingOrders, true);
});

Deno.test("`validateKitchenConfig()` accepts the default kitchen as JSON and returns an equal config", () => {
  assert.deepEqual(accept(rawConfig()), DEFAULT_KITCHEN);
});

Deno.test("`validateKitchenConfig()` accepts overnight, 24:00 and closed days", () => {
  const config = accept(rawConfig({
    hours: {
      mon: [{ open: "00:00", close: "24:00" }],
      fri: [{ open: "11:00", close: "15:00" }, { open: "18:00", close: "02:00" }],
      sat: [{ open: "12:00", close: "03:00" }],
      sun: [],
    },
  }));
  assert.deepEqual(Object.keys(config.hours), ["mon", "fri", "sat", "sun"]);
  assert.equal(config.hours.tue, undefined);
});

Deno.test("`validateKitchenConfig()` spells the time zone canonically", () => {
  assert.equal(accept(rawConfig({ timeZone: "europe/berlin" })).timeZone, "Europe/Berlin");
  assert.equal(accept(rawConfig({ timeZone: "UTC" })).timeZone, "UTC");
});

Deno.test("`validateKitchenConfig()` rejects unknown zones, offsets and ISO strings as time zones", () => {
  for (
    const bad of ["Mars/Olympus", "+03:00", "2026-01-01T00:00+03:00[Europe/Moscow]", "", 3, null]
  ) {
    assert.deepEqual(fields(rawConfig({ timeZone: bad })), ["timeZone"], String(bad));
  }
});

Deno.test("`validateKitchenConfig()` reports every bad field at once", () => {
  const violations = reject({
    id: "Main Kitchen",
    displayName: "",
    timeZone: "Nowhere/Land",
    hours: { mon: [{ open: "25:00", close: "23:00" }] },
    slotMinutes: 4,
    leadMinutes: 721,
    capacity: 0,
    capacityUnit: "roubles",
    bookingHorizonDays: 31,
    stations: [],
    acceptingOrders: "yes",
  });
  assert.deepEqual(violations.map((v) => v.field).sort(), [
    "acceptingOrders",
    "bookingHorizonDays",
    "capacity",
    "capacityUnit",
    "displayName",
    "hours.mon[0].open",
    "id",
    "leadMinutes",
    "slotMinutes",
    "stations",
    "timeZone",
  ]);
});

Deno.test("`validateKitchenConfig()` rejects a value that is not an object", () => {
  for (const bad of [null, "main", 42, [rawConfig()]]) {
    assert.deepEqual(reject(bad), [{ field: "", reason: "must be an object" }]);
  }
});

Deno.test("`validateKitchenConfig()` checks the numeric ranges at both ends", () => {
  const within: [string, number][] = [
    ["slotMinutes", 5],
    ["slotMinutes", 240],
    ["leadMinutes", 0],
    ["leadMinutes", 720],
    ["bookingHorizonDays", 0],
    ["bookingHorizonDays", 30],
    ["capacity", 1],
  ];
  // 240-minute slots need openings at least that long.
  const longDay = { mon: [{ open: "08:00", close: "20:00" }] };
  for (const [field, value] of within) accept(rawConfig({ [field]: value, hours: longDay }));
  const outside: [string, unknown][] = [
    ["slotMinutes", 4],
    ["slotMinutes", 241],
    ["slotMinutes", 15.5],
    ["leadMinutes", -1],
    ["leadMinutes", 721],
    ["bookingHorizonDays", -1],
    ["bookingHorizonDays", 31],
    ["capacity", 0],
    ["capacity", 1.5],
    ["capacity", "100"],
  ];
  for (const [field, value] of outside) {
    assert.deepEqual(
      fields(rawConfig({ [field]: value, hours: longDay })),
      [field],
      `${field}=${value}`,
    );
  }
  assert.equal(
    reject(rawConfig({ slotMinutes: 241 }))[0].reason,
    "must be between 5 and 240 (got 241)",
  );
});

Deno.test("`validateKitchenConfig()` accepts the three capacity units only", () => {
  for (const unit of ["value", "items", "orders"]) {
    assert.equal(accept(rawConfig({ capacityUnit: unit })).capacityUnit, unit);
  }
  assert.deepEqual(fields(rawConfig({ capacityUnit: "Value" })), ["capacityUnit"]);
});

Deno.test("`validateKitchenConfig()` checks the kitchen id pattern", () => {
  for (const good of ["main", "0", "north-2", "a".repeat(63)]) {
    assert.equal(accept(rawConfig({ id: good })).id, good);
  }
  for (const bad of ["", "Main", "-main", "main_1", "a".repeat(64), "кухня", 7]) {
    assert.deepEqual(fields(rawConfig({ id: bad })), ["id"], String(bad));
  }
});

Deno.test("`isKitchenId()` accepts lowercase letters, digits and inner dashes up to 63 characters", () => {
  assert.equal(isKitchenId("main"), true);
  assert.equal(isKitchenId("spb-nevsky-1"), true);
  assert.equal(isKitchenId("main:1"), false);
  assert.equal(isKitchenId(""), false);
});

Deno.test("`validateKitchenConfig()` trims the display name and rejects control characters", () => {
  assert.equal(accept(rawConfig({ displayName: "  Север  " })).displayName, "Север");
  assert.deepEqual(fields(rawConfig({ displayName: "Север\n" + "x" })), ["displayName"]);
  assert.deepEqual(fields(rawConfig({ displayName: "д".repeat(101) })), ["displayName"]);
});

Deno.test("`validateKitchenConfig()` names the bad opening field and accepts 24:00 only as a close", () => {
  const violations = reject(rawConfig({
    hours: {
      tue: [{ open: "24:00", close: "23:00" }],
      wed: [{ open: "9:00", close: "23:00" }],
      thu: [{ open: "10:00", close: "24:01" }],
      fri: ["10:00-23:00"],
    },
  }));
  assert.deepEqual(violations.map((v) => v.field), [
    "hours.tue[0].open",
    "hours.wed[0].open",
    "hours.thu[0].close",
    "hours.fri[0]",
  ]);
  assert.equal(violations[0].reason, "must be a time HH:MM from 00:00 to 23:59");
  assert.equal(violations[2].reason, "must be a time HH:MM from 00:00 to 24:00");
});

Deno.test("`validateKitchenConfig()` rejects misspelt weekdays instead of silently closing that day", () => {
  const violations = reject(rawConfig({ hours: { monday: [{ open: "10:00", close: "23:00" }] } }));
  assert.deepEqual(violations.map((v) => v.field), ["hours.monday"]);
  assert.match(violations[0].reason, /unknown weekday/);
});

Deno.test("`validateKitchenConfig()` rejects an opening shorter than one slot", () => {
  const violations = reject(rawConfig({ hours: { mon: [{ open: "10:00", close: "10:10" }] } }));
  assert.deepEqual(violations, [{
    field: "hours.mon[0]",
    reason: "must be at least one slot long (15 minutes; got 10)",
  }]);
});

Deno.test("`validateKitchenConfig()` rejects overlapping openings, also across midnight and the week's end", () => {
  assert.deepEqual(
    fields(rawConfig({
      hours: { mon: [{ open: "10:00", close: "14:00" }, { open: "13:00", close: "18:00" }] },
    })),
    ["hours.mon[1]"],
  );
  assert.deepEqual(
    fields(rawConfig({
      hours: { fri: [{ open: "18:00", close: "02:00" }], sat: [{ open: "01:00", close: "05:00" }] },
    })),
    ["hours.sat[0]"],
  );
  assert.deepEqual(
    fields(rawConfig({
      hours: { mon: [{ open: "00:30", close: "05:00" }], sun: [{ open: "20:00", close: "01:00" }] },
    })),
    ["hours.sun[0]"],
  );
});

Deno.test("`validateKitchenConfig()` allows back-to-back openings that only touch", () => {
  accept(rawConfig({
    hours: {
      mon: [{ open: "10:00", close: "14:00" }, { open: "14:00", close: "18:00" }],
      sun: [{ open: "00:00", close: "00:00" }],
    },
  }));
});

Deno.test("`validateKitchenConfig()` requires a non-empty list of short, unique station names", () => {
  assert.deepEqual(accept(rawConfig({ stations: ["pizza", "cold_bar"] })).stations, [
    "pizza",
    "cold_bar",
  ]);
  assert.deepEqual(fields(rawConfig({ stations: [] })), ["stations"]);
  assert.deepEqual(fields(rawConfig({ stations: "pizza" })), ["stations"]);
  assert.deepEqual(fields(rawConfig({ stations: ["pizza", "Oven", "pizza", ""] })), [
    "stations[1]",
    "stations[2]",
    "stations[3]",
  ]);
  assert.deepEqual(fields(rawConfig({ stations: ["x".repeat(33)] })), ["stations[0]"]);
});

Deno.test("`validateKitchenConfig()` copies lists, so later changes to the input do not leak in", () => {
  const raw = rawConfig();
  const config = accept(raw);
  (raw.stations as string[]).push("grill");
  (raw.hours as Record<string, unknown[]>).mon.push({ open: "23:30", close: "23:45" });
  assert.deepEqual(config.stations, ["pizza", "dessert"]);
  assert.equal(config.hours.mon?.length, 1);
});
