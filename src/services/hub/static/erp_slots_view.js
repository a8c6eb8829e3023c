/**
 * Today's slots as load bars: time, a bar filled to load / capacity (green, amber, red), and the
 * numbers in the kitchen's capacity unit (roubles for order value, pieces for items or orders).
 */
import { h, replaceChildren } from "./dom.js";
import { formatCount, formatMoney, formatTimeRange } from "./format.js";
import { slotFill, slotTime } from "./erp_state.js";

/**
 * @typedef {{ lang: import("./i18n.js").Lang, t: (k: string, p?: object) => string,
 *   timeZone: string | undefined, nowMs: number }} SlotsContext
 */

/**
 * @param {number} amount
 * @param {string | undefined} unit
 * @param {SlotsContext} ctx
 */
export function capacityAmount(amount, unit, ctx) {
  if (unit === "value") return formatMoney(amount, ctx.lang);
  const suffix = unit ? ctx.t(`erp.unitShort.${unit}`) : "";
  return `${formatCount(amount, ctx.lang)} ${suffix}`.trim();
}

/**
 * @param {HTMLElement} container
 * @param {import("./erp_state.js").Slot[]} slots
 * @param {SlotsContext} ctx
 * @returns {HTMLElement | undefined} the current slot's row (to scroll to)
 */
export function renderSlots(container, slots, ctx) {
  /** @type {HTMLElement | undefined} */
  let current;
  const rows = slots.map((slot) => {
    const { ratio, level } = slotFill(slot);
    const when = slotTime(slot, ctx.nowMs);
    const row = h(
      "li",
      { class: "slot", dataset: { slotId: slot.id, level, when } },
      h(
        "span",
        { class: "slot-time" },
        formatTimeRange(slot.start, slot.end, ctx.timeZone, ctx.lang),
      ),
      h(
        "span",
        {
          class: "slot-bar",
          role: "meter",
          "aria-valuenow": Math.round(ratio * 100),
          "aria-valuemin": 0,
          "aria-valuemax": 100,
        },
        h("span", {
          class: "slot-fill",
          style: { width: `${Math.min(100, ratio * 100).toFixed(1)}%` },
        }),
      ),
      h(
        "span",
        { class: "slot-load" },
        `${capacityAmount(slot.load, slot.unit, ctx)} / ${
          capacityAmount(slot.capacity, slot.unit, ctx)
        }`,
      ),
      h("span", { class: "slot-pct" }, `${Math.round(ratio * 100)} %`),
    );
    if (when === "current") current = row;
    return row;
  });
  replaceChildren(
    container,
    rows.length > 0 ? rows : h("li", { class: "empty-row" }, ctx.t("erp.slotsEmpty")),
  );
  return current;
}
