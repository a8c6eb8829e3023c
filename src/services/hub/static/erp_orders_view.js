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
 *   onCancel: (order: import("./kds_state.js").Order) => void,
 *   onReveal: (order: import("./kds_state.js").Order) => void,
 *   revealed: Map<string, string> }} OrdersContext
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
        customerCell(order, ctx),
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

/**
 * The customer's name and phone, masked as the hub sends it to managers; "show" asks the hub for
 * the full number (logged there) and puts it in the cell.
 * @param {import("./kds_state.js").Order} order
 * @param {OrdersContext} ctx
 */
function customerCell(order, ctx) {
  const c =
    /** @type {{ firstName?: string, lastName?: string, phone?: string } | undefined} */ (order
      .customer);
  const cell = h("td", { class: "customer" });
  if (!c) return cell;
  const name = [c.firstName, c.lastName].filter(Boolean).join(" ");
  cell.append(h("span", { class: "customer-name" }, name));
  const full = ctx.revealed.get(order.id);
  if (full) {
    cell.append(" ", h("span", { class: "customer-phone", dataset: { full: "true" } }, full));
  } else if (c.phone) {
    cell.append(" ", h("span", { class: "customer-phone" }, c.phone));
    cell.append(
      " ",
      h("button", {
        type: "button",
        class: "small reveal",
        title: ctx.t("erp.revealTitle"),
        onclick: () => ctx.onReveal(order),
      }, ctx.t("erp.reveal")),
    );
  }
  return cell;
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
