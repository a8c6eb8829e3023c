// @ts-check
/**
 * The capacity-and-hours form of the dashboard as plain data: a kitchen configuration turned into
 * the text the inputs hold, and back into the full configuration `PUT /kitchens/{id}` takes, with
 * the mistakes the page can see itself. Field names are the API's paths ("capacity",
 * "hours.mon[0].close") so the hub's 400 field errors land on the same inputs. Pure: no DOM.
 */
import { moneyInputValue, parseMoney } from "./format.js";

/** @typedef {import("./i18n.js").Lang} Lang */
/**
 * @typedef {import("../../../domain/kitchen.ts").KitchenConfig} KitchenConfig
 * @typedef {import("../../../domain/kitchen.ts").Weekday} Weekday
 * @typedef {{ open: string, close: string }} Opening
 * @typedef {{ capacity: string, capacityUnit: string, slotMinutes: string, leadMinutes: string,
 *   bookingHorizonDays: string, acceptingOrders: boolean, hours: Record<Weekday, Opening[]> }}
 *   KitchenForm
 * @typedef {{ field: string, reason: string }} FieldError
 */

/** @type {readonly Weekday[]} */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const CAPACITY_UNITS = /** @type {const} */ (["value", "items", "orders"]);

/**
 * The inputs' starting text. Capacity in the "value" unit is kopecks on the wire and roubles in
 * the form.
 * @param {KitchenConfig} config
 * @param {Lang} lang
 * @returns {KitchenForm}
 */
export function configToForm(config, lang) {
  return {
    capacity: config.capacityUnit === "value"
      ? moneyInputValue(config.capacity, lang)
      : String(config.capacity),
    capacityUnit: config.capacityUnit,
    slotMinutes: String(config.slotMinutes),
    leadMinutes: String(config.leadMinutes),
    bookingHorizonDays: String(config.bookingHorizonDays),
    acceptingOrders: config.acceptingOrders,
    hours: /** @type {Record<Weekday, Opening[]>} */ (Object.fromEntries(
      WEEKDAYS.map((day) => [day, (config.hours[day] ?? []).map((o) => ({ ...o }))]),
    )),
  };
}

/**
 * The configuration to save: `base` (what the hub sent) with the form's values. Numbers that do
 * not parse are reported (the hub checks ranges and hours itself and answers with field errors).
 * @param {KitchenForm} form
 * @param {KitchenConfig} base
 * @param {(key: string) => string} t
 * @returns {{ ok: true, body: Omit<KitchenConfig, "id"> } | { ok: false, errors: FieldError[] }}
 */
export function formToConfig(form, base, t) {
  /** @type {FieldError[]} */
  const errors = [];
  /** @param {string} field */
  const whole = (field) => {
    const text = String(/** @type {Record<string, unknown>} */ (form)[field] ?? "").trim();
    if (!/^\d{1,9}$/.test(text)) {
      errors.push({ field, reason: t("erp.mustBeNumber") });
      return NaN;
    }
    return Number(text);
  };
  const capacityUnit = /** @type {KitchenConfig["capacityUnit"]} */ (form.capacityUnit);
  let capacity;
  if (capacityUnit === "value") {
    capacity = parseMoney(form.capacity);
    if (capacity === undefined) errors.push({ field: "capacity", reason: t("erp.mustBeMoney") });
  } else capacity = whole("capacity");
  const slotMinutes = whole("slotMinutes");
  const leadMinutes = whole("leadMinutes");
  const bookingHorizonDays = whole("bookingHorizonDays");
  if (errors.length > 0) return { ok: false, errors };

  /** @type {Partial<Record<Weekday, Opening[]>>} */
  const hours = {};
  for (const day of WEEKDAYS) {
    const openings = (form.hours[day] ?? []).map((o) => ({
      open: o.open.trim(),
      close: o.close.trim(),
    }));
    if (openings.length > 0) hours[day] = openings; // a day left out is closed
  }
  const { id: _id, ...rest } = base;
  return {
    ok: true,
    body: {
      ...rest,
      hours,
      capacity: /** @type {number} */ (capacity),
      capacityUnit,
      slotMinutes,
      leadMinutes,
      bookingHorizonDays,
      acceptingOrders: form.acceptingOrders,
    },
  };
}

/**
 * The form fields an error about `path` can be shown on, most specific first:
 * "hours.mon[0].close" → "hours.mon[0].close", "hours.mon[0]", "hours.mon", "hours".
 * @param {string} path
 * @returns {string[]}
 */
export function fieldCandidates(path) {
  const candidates = [path];
  let rest = path;
  while (true) {
    const cut = Math.max(rest.lastIndexOf("."), rest.lastIndexOf("["));
    if (cut <= 0) break;
    rest = rest.slice(0, cut);
    candidates.push(rest);
  }
  return candidates;
}

/**
 * Places each error on the first of its candidate fields the form has; the rest are general.
 * @param {readonly FieldError[]} errors
 * @param {(field: string) => boolean} hasField
 * @returns {{ placed: Map<string, string[]>, general: FieldError[] }}
 */
export function placeErrors(errors, hasField) {
  /** @type {Map<string, string[]>} */
  const placed = new Map();
  /** @type {FieldError[]} */
  const general = [];
  for (const error of errors) {
    const target = fieldCandidates(error.field).find(hasField);
    if (target === undefined) general.push(error);
    else placed.set(target, [...(placed.get(target) ?? []), error.reason]);
  }
  return { placed, general };
}
