/**
 * The dashboard's order tables (active and scheduled): number, status, slot, age or the time it
 * reaches the kitchen, items, total in roubles, customer, pickup or delivery, and a cancel button
 * while the kitchen has not started baking.
 */
import { h, replaceChildren } from "./dom.js";
import { formatDuration, formatMoney, formatTime, formatTimeRange } from "./format.js";
import { canCancel } from "./erp_state.js";
import { ageMs } from "./kds_state.js";

/**
 * @typedef {{ lang: import("./i18n.js").Lang, t: (k: string, p?: object) => string,
 *   timeZone: string | undefined, nowMs: number,
 *   onCancel: (order: import("./kds_state.js").Order) => void }} OrdersContext
 */

/**
 * @param {HTMLElement} tbody
 * @param {import("./kds_state.js").Order[]} orders
 * @param {"active" | "scheduled"} kind
 * @param {OrdersContext} ctx
 */
export function renderOrders(tbody, orders, kind, ctx) {
  const { t } = ctx;
  if (orders.length === 0) {
    replaceChildren(
      tbody,
      h("tr", null, h("td", { colspan: 9, class: "empty-row" }, t("erp.noOrders"))),
    );
    return;
  }
  replaceChildren(
    tbody,
    orders.map((order) =>
      h(
        "tr",
        { dataset: { orderId: order.id, status: order.status } },
        h("td", { class: "num" }, order.displayId),
        h(
          "td",
          null,
          h(
            "span",
            { class: "status-chip", dataset: { status: order.status } },
            t(`status.${order.status}`),
          ),
        ),
        h(
          "td",
          null,
          formatTimeRange(
            order.slotStart,
            order.slotEnd ?? order.slotStart,
            ctx.timeZone,
            ctx.lang,
          ),
        ),
        kind === "active"
          ? h(
            "td",
            { class: "age", dataset: { visibleAt: order.visibleAt } },
            formatDuration(ageMs(order, ctx.nowMs)),
          )
          : h("td", null, formatTime(order.visibleAt, ctx.timeZone, ctx.lang)),
        h("td", { class: "items" }, itemsSummary(order, ctx)),
        h("td", { class: "money" }, formatMoney(Number(order.totalPriceKopecks), ctx.lang)),
        h("td", null, customerText(order)),
        h(
          "td",
          null,
          order.isPickup ? t("kds.pickup") : `${t("kds.delivery")}: ${order.deliveryAddress ?? ""}`,
        ),
        h(
          "td",
          null,
          canCancel(order.status)
            ? h("button", {
              type: "button",
              class: "danger small",
              onclick: () => ctx.onCancel(order),
            }, t("erp.cancel"))
            : null,
        ),
      )
    ),
  );
}

/**
 * "2 × Маргарита (+ Двойной сыр); 1 × Пепперони"
 * @param {import("./kds_state.js").Order} order
 * @param {OrdersContext} ctx
 */
function itemsSummary(order, ctx) {
  return order.items.map((item) => {
    const extras = item.extras.map((e) => ctx.t("kds.extra", { name: e.name })).join(", ");
    return `${item.quantity} × ${item.pizzaName}${extras ? ` (${extras})` : ""}`;
  }).join("; ");
}

/** @param {import("./kds_state.js").Order} order */
function customerText(order) {
  const c =
    /** @type {{ firstName?: string, lastName?: string, phone?: string } | undefined} */ (order
      .customer);
  if (!c) return "";
  return `${[c.firstName, c.lastName].filter(Boolean).join(" ")} ${c.phone ?? ""}`.trim();
}

/**
 * Advances the age column of an active-orders table to `nowMs` without rebuilding it.
 * @param {ParentNode} root
 * @param {number} nowMs
 */
export function refreshOrderAges(root, nowMs) {
  for (const cell of root.querySelectorAll("td.age[data-visible-at]")) {
    const visibleAt = /** @type {HTMLElement} */ (cell).dataset.visibleAt ?? "";
    cell.textContent = formatDuration(ageMs({ visibleAt }, nowMs));
  }
}
