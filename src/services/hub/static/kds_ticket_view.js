/**
 * One KDS ticket as DOM: a colour band with the status word and the age timer, the big order
 * number, slot time, the station's pizzas with their ingredients, doses and extras, and a footer
 * that says what a tap does next. The same element, read-only, appears in the recall drawer.
 */
import { h } from "./dom.js";
import { formatDuration, formatTime } from "./format.js";
import { ageLevel, ageMs, doseLines, itemsForStation, nextStatus } from "./kds_state.js";

/**
 * @typedef {{
 *   lang: import("./i18n.js").Lang,
 *   t: (key: string, params?: Record<string, string | number>) => string,
 *   timeZone: string | undefined,
 *   station: string | undefined,
 *   thresholds: import("./kds_state.js").Thresholds,
 *   nowMs: number,
 * }} TicketContext
 */

/**
 * @param {import("./kds_state.js").Order} order
 * @param {TicketContext} ctx
 * @param {{ sending?: boolean, locked?: boolean, bumpedAtMs?: number }} [extra]
 *   sending: a tap's change is on its way; locked: taps are ignored for now (data-busy="true");
 *   bumpedAtMs: a read-only recalled ticket
 */
export function ticketElement(order, ctx, extra = {}) {
  const { t } = ctx;
  const recalled = extra.bumpedAtMs !== undefined;
  const status = recalled ? "completed" : order.status;
  const { items, otherCount } = itemsForStation(order, ctx.station);
  const next = nextStatus(order.status);
  const footer = recalled
    ? t("kds.bumpedAt", {
      time: formatTime(new Date(extra.bumpedAtMs ?? 0).toISOString(), ctx.timeZone, ctx.lang),
    })
    : extra.sending
    ? t("kds.sending")
    : next
    ? `${t(`kds.action.${order.status}`)} →`
    : "";

  return h(
    "article",
    {
      class: "ticket",
      role: recalled ? null : "button",
      tabindex: recalled ? null : "0",
      dataset: {
        orderId: order.id,
        status,
        displayId: order.displayId,
        busy: extra.sending || extra.locked ? "true" : "false",
        sending: extra.sending ? "true" : "false",
      },
      "aria-label": `${order.displayId} ${t(`status.${status}`)}`,
    },
    h(
      "header",
      { class: "ticket-band" },
      h("span", { class: "ticket-status" }, t(`status.${status}`)),
      recalled ? null : ageBadge(order, ctx),
    ),
    h(
      "div",
      { class: "ticket-head" },
      h("span", { class: "ticket-number" }, order.displayId),
      h(
        "span",
        { class: "ticket-meta" },
        h("span", { class: "ticket-slot" }, t("kds.slot", { time: slotTime(order, ctx) })),
        h(
          "span",
          { class: "ticket-kind", dataset: { pickup: order.isPickup ? "true" : "false" } },
          t(order.isPickup ? "kds.pickup" : "kds.delivery"),
        ),
      ),
    ),
    h("ul", { class: "ticket-items" }, items.map((item) => itemElement(item, ctx))),
    otherCount > 0
      ? h("p", { class: "ticket-other" }, t("kds.otherStations", { count: otherCount }))
      : null,
    footer ? h("footer", { class: "ticket-action" }, footer) : null,
  );
}

/**
 * @param {import("./kds_state.js").Order} order
 * @param {TicketContext} ctx
 */
function slotTime(order, ctx) {
  return formatTime(order.slotStart, ctx.timeZone, ctx.lang);
}

/**
 * The age timer; `refreshAge` keeps it ticking without rebuilding the ticket.
 * @param {import("./kds_state.js").Order} order
 * @param {TicketContext} ctx
 */
function ageBadge(order, ctx) {
  const badge = h("span", { class: "ticket-age", dataset: { visibleAt: order.visibleAt } });
  refreshAge(badge, ctx);
  return badge;
}

/**
 * Updates every age timer under `root` to `ctx.nowMs`.
 * @param {ParentNode} root
 * @param {Pick<TicketContext, "nowMs" | "thresholds">} ctx
 */
export function refreshAges(root, ctx) {
  for (const badge of root.querySelectorAll(".ticket-age")) {
    refreshAge(/** @type {HTMLElement} */ (badge), ctx);
  }
}

/**
 * @param {HTMLElement} badge
 * @param {Pick<TicketContext, "nowMs" | "thresholds">} ctx
 */
function refreshAge(badge, ctx) {
  const age = ageMs({ visibleAt: badge.dataset.visibleAt ?? "" }, ctx.nowMs);
  const level = ageLevel(age, ctx.thresholds);
  badge.textContent = formatDuration(age);
  badge.dataset.level = level;
  const ticket = badge.closest(".ticket");
  if (ticket instanceof HTMLElement) ticket.dataset.age = level;
}

/**
 * @param {import("./kds_state.js").Item} item
 * @param {TicketContext} ctx
 */
function itemElement(item, ctx) {
  const { t } = ctx;
  const grams = (/** @type {number} */ n) => t("kds.grams", { grams: n });
  return h(
    "li",
    { class: "item" },
    h(
      "div",
      { class: "item-title" },
      h("span", { class: "item-qty" }, `${item.quantity} ×`),
      h("span", { class: "item-name" }, item.pizzaName),
    ),
    item.extras.length > 0
      ? h(
        "p",
        { class: "item-extras" },
        item.extras.map((extra) => h("span", null, t("kds.extra", { name: extra.name }))),
      )
      : null,
    h(
      "ul",
      { class: "item-ingredients" },
      doseLines(item).map((line) =>
        h(
          "li",
          { class: line.extra ? "with-extra" : null },
          h("span", null, line.name),
          h("span", { class: "dose" }, grams(line.grams)),
        )
      ),
    ),
  );
}
