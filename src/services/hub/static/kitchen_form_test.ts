import assert from "node:assert/strict";
import { DEFAULT_KITCHEN, validateKitchenConfig } from "../../../domain/kitchen_config.ts";
import type { KitchenConfig } from "../../../domain/kitchen.ts";
import { configToForm, fieldCandidates, formToConfig, placeErrors } from "./kitchen_form.js";
import { translate } from "./i18n.js";

const t = (key: string) => translate("en", key);
const kitchen = (): KitchenConfig => structuredClone(DEFAULT_KITCHEN) as KitchenConfig;

Deno.test("`configToForm()` then `formToConfig()` gives back the same configuration, without the id", () => {
  const config = kitchen();
  const result = formToConfig(configToForm(config, "ru"), config, t);
  assert.ok(result.ok);
  const { id: _id, ...expected } = config;
  assert.deepEqual(result.body, expected);
  assert.ok(validateKitchenConfig({ ...result.body, id: "main" }).ok, "the hub accepts it");
});

Deno.test("`configToForm()` shows value capacity in roubles and counts as they are", () => {
  assert.equal(configToForm(kitchen(), "ru").capacity, "20000,00");
  assert.equal(
    configToForm({ ...kitchen(), capacityUnit: "items", capacity: 40 }, "en").capacity,
    "40",
  );
});

Deno.test("`formToConfig()` applies edits: capacity, unit, lengths, hours, accepting orders", () => {
  const config = kitchen();
  const form = configToForm(config, "en");
  form.capacity = "12";
  form.capacityUnit = "items";
  form.slotMinutes = "20";
  form.leadMinutes = " 45 ";
  form.acceptingOrders = false;
  form.hours.sun = [];
  form.hours.sat = [{ open: "09:00", close: "14:00" }, { open: "16:00", close: "02:00" }];
  const result = formToConfig(form, config, t);
  assert.ok(result.ok);
  assert.equal(result.body.capacity, 12);
  assert.equal(result.body.capacityUnit, "items");
  assert.equal(result.body.slotMinutes, 20);
  assert.equal(result.body.leadMinutes, 45);
  assert.equal(result.body.acceptingOrders, false);
  assert.equal(result.body.hours.sun, undefined, "a day without openings is closed");
  assert.equal(result.body.hours.sat?.length, 2);
  assert.deepEqual(result.body.stations, config.stations, "untouched fields are kept");
});

Deno.test("`formToConfig()` names each field that is not a number, when typed wrong", () => {
  const form = configToForm(kitchen(), "en");
  form.capacity = "lots";
  form.slotMinutes = "15.5";
  form.bookingHorizonDays = "";
  const result = formToConfig(form, kitchen(), t);
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.field), [
    "capacity",
    "slotMinutes",
    "bookingHorizonDays",
  ]);
});

Deno.test("`fieldCandidates()` goes from the exact path to its parents", () => {
  assert.deepEqual(fieldCandidates("hours.mon[0].close"), [
    "hours.mon[0].close",
    "hours.mon[0]",
    "hours.mon",
    "hours",
  ]);
  assert.deepEqual(fieldCandidates("capacity"), ["capacity"]);
});

Deno.test("`placeErrors()` puts each hub field error on the closest field the form has", () => {
  const fields = new Set(["capacity", "hours", "hours.mon", "hours.mon[0].close"]);
  const { placed, general } = placeErrors(
    [
      { field: "capacity", reason: "must be a positive whole number" },
      { field: "hours.mon[0].close", reason: "bad time" },
      { field: "hours.tue[1].open", reason: "overlaps" },
      { field: "displayName", reason: "must not be empty" },
    ],
    (f) => fields.has(f),
  );
  assert.deepEqual([...placed], [
    ["capacity", ["must be a positive whole number"]],
    ["hours.mon[0].close", ["bad time"]],
    ["hours", ["overlaps"]],
  ]);
  assert.deepEqual(general, [{ field: "displayName", reason: "must not be empty" }]);
});
