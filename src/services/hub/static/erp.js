/**
 * The shift manager's dashboard: today's slots against capacity (live from `slots.updated`),
 * active and scheduled orders (live), capacity and opening hours, menu prices and the stop-list.
 *
 * Query: ?kitchen=<id> (default kitchen if absent), ?lang=ru|en, #token=… (kept, then removed from the address bar).
 */
import { byId, h, replaceChildren } from "./dom.js";
import { formatTime } from "./format.js";
import { applyErpEvent, emptyErpState, orderLists, sortedSlots, withSlots } from "./erp_state.js";
import { MenuView } from "./erp_menu_view.js";
import { refreshOrderAges, renderOrders } from "./erp_orders_view.js";
import { SettingsView } from "./erp_settings_view.js";
import { renderSlots } from "./erp_slots_view.js";
import { LiveSocket, socketUrl } from "./live_socket.js";
import { startPage } from "./page_shell.js";
import { bestOffset, measureOffset } from "./server_clock.js";

/** Today's slots are re-read this often (a new business day, capacity changed elsewhere). */
const SLOTS_REFRESH_MS = 5 * 60_000;

const page = startPage({
  onLangChange: () => {
    settings.render();
    menu.render();
    render();
  },
});
let kitchenId = page.query.get("kitchen") ?? undefined;
/** @type {{ id: string, displayName: string, timeZone: string } | undefined} */
let kitchen;
let state = emptyErpState();
let scrolledToNow = false;
/** @type {{ offsetMs: number, rttMs: number }[]} */
let clockSamples = [];
const serverNow = () => Date.now() + bestOffset(clockSamples);

const kitchenSelect = /** @type {HTMLSelectElement} */ (byId("kitchen-select"));
const slotsEl = byId("slots");
const activeBody = byId("active-orders");
const scheduledBody = byId("scheduled-orders");

const settings = new SettingsView(/** @type {HTMLFormElement} */ (byId("settings")), () => ({
  lang: page.lang,
  t: page.t,
  explain: (error) => page.explain(error),
  save: async (body) => {
    const saved = await page.api.saveKitchen(/** @type {string} */ (kitchenId), body);
    kitchen = saved;
    refreshSlots();
    return saved;
  },
}));

const menu = new MenuView({ pizzas: byId("menu-pizzas"), extras: byId("menu-extras") }, () => ({
  lang: page.lang,
  t: page.t,
  explain: (error) => page.explain(error),
  update: (kind, code, change) => page.api.updateMenuItem(kind, code, change),
}));

const socket = new LiveSocket({
  url: (lastEventId) => socketUrl(location.href, "ws/erp", { kitchen: kitchenId, lastEventId }),
  protocols: page.protocols,
  onEvent: (event) => {
    if (!kitchenId && typeof event.kitchenId === "string") {
      kitchenId = event.kitchenId;
      loadKitchen();
    }
    state = applyErpEvent(state, /** @type {any} */ (event));
    scheduleRender();
  },
  onState: (socketState, detail) => page.showConnection(socketState, detail, () => socket.stop()),
  onPong: (pong) => {
    const sample = measureOffset(pong);
    if (sample) clockSamples = [...clockSamples.slice(-7), sample];
  },
});

/** Kitchen settings, today's slots and the menu; each part shows as soon as it arrives. */
function loadKitchen() {
  if (!kitchenId) return;
  const id = kitchenId;
  page.api.kitchen(id).then((config) => {
    if (id !== kitchenId) return;
    kitchen = config;
    settings.load(config);
    render();
  }).catch(fail);
  refreshSlots();
  page.api.menu().then((m) => menu.load(m)).catch(fail);
  page.api.kitchens().then(({ kitchens }) => {
    replaceChildren(
      kitchenSelect,
      kitchens.map((/** @type {{ id: string, displayName: string }} */ k) =>
        h("option", { value: k.id, selected: k.id === kitchenId }, `${k.displayName} (${k.id})`)
      ),
    );
  }).catch(fail);
}

function refreshSlots() {
  if (!kitchenId) return;
  const id = kitchenId;
  page.api.slots(id).then((day) => {
    if (id !== kitchenId) return;
    state = withSlots(state, day.slots);
    byId("slots-date").textContent = page.t("erp.slotsDate", {
      date: day.date,
      zone: day.timeZone,
    });
    render();
  }).catch(fail);
}

/** @param {unknown} error */
function fail(error) {
  page.toast(page.explain(error), "error");
}

/** @param {import("./kds_state.js").Order} order */
async function cancelOrder(order) {
  if (!confirm(page.t("erp.cancelConfirm", { number: order.displayId }))) return;
  try {
    await page.api.cancel(order.id, "cancelled from the dashboard");
  } catch (error) {
    fail(error);
  }
}

/** @type {Map<string, string>} order id → full phone a manager asked to see (this page only) */
const revealed = new Map();

/** @param {import("./kds_state.js").Order} order */
async function revealContact(order) {
  try {
    const contact = await page.api.revealContact(order.id);
    revealed.set(order.id, contact.phone);
    render();
  } catch (error) {
    fail(error);
  }
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const ctx = {
    lang: page.lang,
    t: page.t,
    timeZone: kitchen?.timeZone,
    nowMs: serverNow(),
    onCancel: cancelOrder,
    onReveal: revealContact,
    revealed,
  };
  const current = renderSlots(slotsEl, sortedSlots(state), ctx);
  if (current && !scrolledToNow) {
    scrolledToNow = true;
    slotsEl.scrollTop = Math.max(0, current.offsetTop - slotsEl.offsetTop - 40);
  }
  const { active, scheduled } = orderLists(state);
  renderOrders(activeBody, active, "active", ctx);
  renderOrders(scheduledBody, scheduled, "scheduled", ctx);
  byId("active-count").textContent = String(active.length);
  byId("scheduled-count").textContent = String(scheduled.length);
  byId("clock").textContent = formatTime(
    new Date(serverNow()).toISOString(),
    kitchen?.timeZone,
    page.lang,
  );
}

kitchenSelect.addEventListener("change", () => {
  kitchenId = kitchenSelect.value;
  const url = new URL(location.href);
  url.searchParams.set("kitchen", kitchenId);
  history.replaceState(history.state, "", url);
  kitchen = undefined;
  state = emptyErpState();
  scrolledToNow = false;
  socket.restart({ forget: true });
  loadKitchen();
  render();
});
addEventListener("online", () => socket.reconnectNow());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") socket.reconnectNow();
});
setInterval(() => {
  refreshOrderAges(activeBody, serverNow());
  byId("clock").textContent = formatTime(
    new Date(serverNow()).toISOString(),
    kitchen?.timeZone,
    page.lang,
  );
}, 1000);
setInterval(scheduleRender, 30_000); // the current slot moves on
setInterval(refreshSlots, SLOTS_REFRESH_MS);

loadKitchen();
render();
page.onTokenRenewed((token) => socket.authenticate(token));
socket.start();
