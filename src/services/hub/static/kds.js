/**
 * The kitchen display (KDS) page: wires the live socket, the board state (kds_state.js), the
 * tickets (kds_ticket_view.js), taps that advance a status over REST, the recall drawer, the
 * station filter, all-day counts and the new-order sound.
 *
 * Query: ?kitchen=<id> (default kitchen if absent), ?station=<name>|all, ?warn=5&late=8 (age
 * colours, minutes), ?lang=ru|en, ?token=… (kept, then removed from the address bar).
 */
import { byId, h, replaceChildren } from "./dom.js";
import { formatTime } from "./format.js";
import { stationName } from "./i18n.js";
import {
  ALL_STATIONS,
  allDayCounts,
  applyEvent,
  emptyBoard,
  matchesStation,
  nextStatus,
  parseThresholds,
  sortedOrders,
} from "./kds_state.js";
import { refreshAges, ticketElement } from "./kds_ticket_view.js";
import { LiveSocket, socketUrl } from "./live_socket.js";
import { startPage } from "./page_shell.js";
import { parseRecall, pruneRecall, pushRecall } from "./recall_list.js";
import { bestOffset, measureOffset } from "./server_clock.js";
import { armSoundOverlay, Beeper } from "./sound.js";

/** A tap waits this long for the hub's event confirming the change before giving up. */
const CONFIRM_TIMEOUT_MS = 8000;
/** Taps on a ticket this soon after its last change are taken as a bounce, not a second tap. */
const DOUBLE_TAP_GUARD_MS = 700;
/** A new ticket is outlined this long. */
const FRESH_MS = 15_000;

const page = startPage({ onLangChange: () => render(true) });
const thresholds = parseThresholds(page.query.get("warn"), page.query.get("late"));
let kitchenId = page.query.get("kitchen") ?? undefined;
let station = page.query.get("station") || ALL_STATIONS;

/** @type {import("../../../domain/kitchen.ts").KitchenConfig | undefined} */
let kitchen;
let board = emptyBoard();
/** Whether the first snapshot since (re)choosing the station has arrived; it does not beep. */
let primed = false;
/** @type {Map<string, { version: number, timer: number }>} taps waiting for their event */
const pending = new Map();
/** @type {Map<string, number>} order id → when it last changed or was tapped (local ms) */
const lastTouched = new Map();
/** @type {Map<string, number>} order id → when it appeared (local ms) */
const freshSince = new Map();
/** @type {{ offsetMs: number, rttMs: number }[]} */
let clockSamples = [];
const serverNow = () => Date.now() + bestOffset(clockSamples);

const recallKey = () => `ovenline.kds.recall.${kitchenId ?? "default"}`;
let recall = parseRecall(localStorage.getItem(recallKey()), Date.now());

const boardEl = byId("board");
const allDayEl = byId("all-day");
const stationsEl = byId("stations");
const clockEl = byId("clock");
const kitchenNameEl = byId("kitchen-name");
const recallButton = byId("recall-button");
const recallDrawer = byId("recall-drawer");
const recallList = byId("recall-list");
const emptyEl = byId("empty");

const beeper = new Beeper();
armSoundOverlay(beeper, byId("sound-overlay"));

const socket = new LiveSocket({
  url: (lastEventId) =>
    socketUrl(location.href, "ws/kds", {
      kitchen: kitchenId,
      station: station === ALL_STATIONS ? undefined : station,
      lastEventId,
    }),
  protocols: page.protocols,
  onEvent: receive,
  onState: (state, detail) => page.showConnection(state, detail),
  onPong: (pong) => {
    const sample = measureOffset(pong);
    if (sample) clockSamples = [...clockSamples.slice(-7), sample];
  },
});

/** @param {import("./live_socket.js").Envelope} event */
function receive(event) {
  if (typeof event.kitchenId === "string" && !kitchen) loadKitchen(event.kitchenId);
  const change = applyEvent(board, /** @type {any} */ (event), station);
  board = change.board;
  const now = Date.now();
  if (primed && change.added.length > 0) {
    for (const order of change.added) freshSince.set(order.id, now);
    beeper.beep();
  }
  for (const { order, reason } of change.removed) {
    settle(order.id);
    freshSince.delete(order.id);
    if (reason === "completed") remember(order);
  }
  for (const [id, tap] of pending) {
    const order = board.orders[id];
    if (order && order.version > tap.version) settle(id);
  }
  if (event.type === "snapshot") primed = true;
  render();
}

/** @param {string} id */
function settle(id) {
  const tap = pending.get(id);
  if (tap) clearTimeout(tap.timer);
  pending.delete(id);
  lastTouched.set(id, Date.now());
}

/** @param {import("./kds_state.js").Order} order */
function remember(order) {
  recall = pushRecall(pruneRecall(recall, Date.now()), order, Date.now());
  localStorage.setItem(recallKey(), JSON.stringify(recall));
}

/** @param {string} id */
async function loadKitchen(id) {
  if (kitchenId && kitchenId !== id) return;
  kitchenId = id;
  recall = parseRecall(localStorage.getItem(recallKey()), Date.now());
  try {
    kitchen = await page.api.kitchen(id);
    render(true);
  } catch (error) {
    page.toast(page.explain(error), "error");
    kitchen = undefined;
    if (!(/** @type {any} */ (error)?.accessDenied)) setTimeout(() => loadKitchen(id), 5000);
  }
}

/** @param {Event} event */
async function onBoardTap(event) {
  const ticket = /** @type {HTMLElement | null} */ (
    /** @type {HTMLElement} */ (event.target).closest(".ticket[data-order-id]")
  );
  const id = ticket?.dataset.orderId;
  const order = id ? board.orders[id] : undefined;
  if (!id || !order || pending.has(id)) return;
  if (Date.now() - (lastTouched.get(id) ?? 0) < DOUBLE_TAP_GUARD_MS) return;
  const target = nextStatus(order.status);
  if (!target) return;
  lastTouched.set(id, Date.now());
  const timer = setTimeout(() => {
    if (!pending.has(id)) return;
    settle(id);
    page.toast(page.t("err.noConfirm"), "error");
    render();
  }, CONFIRM_TIMEOUT_MS);
  pending.set(id, { version: order.version, timer });
  render();
  try {
    await page.api.setStatus(id, target);
  } catch (error) {
    settle(id);
    page.toast(page.explain(error), "error");
    render();
  }
}

/** @param {string} next */
function chooseStation(next) {
  if (next === station) return;
  station = next;
  const url = new URL(location.href);
  if (station === ALL_STATIONS) url.searchParams.delete("station");
  else url.searchParams.set("station", station);
  history.replaceState(history.state, "", url);
  // Keep what still matches until the hub's fresh snapshot for the new filter arrives.
  board = {
    orders: Object.fromEntries(
      Object.entries(board.orders).filter(([, order]) => matchesStation(order, station)),
    ),
  };
  primed = false;
  socket.restart({ forget: true });
  render(true);
}

function ticketContext() {
  return {
    lang: page.lang,
    t: page.t,
    timeZone: kitchen?.timeZone,
    station,
    thresholds,
    nowMs: serverNow(),
  };
}

/** @type {Map<string, { el: HTMLElement, key: string }>} */
const rendered = new Map();

/** @param {boolean} [full] rebuild every ticket (language, zone or station changed) */
function render(full = false) {
  if (full) {
    for (const entry of rendered.values()) entry.el.remove();
    rendered.clear();
  }
  const ctx = ticketContext();
  const now = Date.now();
  const orders = sortedOrders(board);
  const keep = new Set();
  for (const order of orders) {
    keep.add(order.id);
    const fresh = now - (freshSince.get(order.id) ?? 0) < FRESH_MS;
    const key = `${order.version}|${order.status}|${pending.has(order.id)}|${fresh}`;
    let entry = rendered.get(order.id);
    if (!entry || entry.key !== key) {
      const el = ticketElement(order, ctx, { busy: pending.has(order.id) });
      if (fresh) el.dataset.fresh = "true";
      if (entry) entry.el.replaceWith(el);
      entry = { el, key };
      rendered.set(order.id, entry);
    }
    boardEl.appendChild(entry.el); // appending an attached node moves it: this sorts the board
  }
  for (const [id, entry] of rendered) {
    if (!keep.has(id)) {
      entry.el.remove();
      rendered.delete(id);
    }
  }
  emptyEl.hidden = orders.length > 0;
  renderStations();
  renderAllDay();
  renderRecall(ctx);
  renderClock();
}

function renderStations() {
  const names = [ALL_STATIONS, ...(kitchen?.stations ?? [])];
  if (station !== ALL_STATIONS && !names.includes(station)) names.push(station);
  replaceChildren(
    stationsEl,
    names.map((name) =>
      h("button", {
        type: "button",
        class: "station",
        "aria-pressed": String(name === station),
        dataset: { station: name },
        onclick: () => chooseStation(name),
      }, name === ALL_STATIONS ? page.t("station.all") : stationName(page.lang, name))
    ),
  );
}

function renderAllDay() {
  const counts = allDayCounts(board, station);
  replaceChildren(
    allDayEl,
    h("span", { class: "all-day-label" }, page.t("kds.allDay")),
    counts.length === 0
      ? h("span", { class: "all-day-none" }, page.t("kds.allDayEmpty"))
      : counts.map(({ name, count }) =>
        h(
          "span",
          { class: "all-day-item", dataset: { name } },
          h("b", null, String(count)),
          ` ${name}`,
        )
      ),
  );
}

/** @param {ReturnType<typeof ticketContext>} ctx */
function renderRecall(ctx) {
  recall = pruneRecall(recall, Date.now());
  recallButton.dataset.count = String(recall.length);
  replaceChildren(
    recallButton,
    page.t("kds.recall"),
    recall.length > 0 ? h("span", { class: "badge" }, String(recall.length)) : null,
  );
  if (recallDrawer.hidden) return;
  replaceChildren(
    recallList,
    recall.length === 0
      ? h("p", { class: "recall-empty" }, page.t("kds.recallEmpty"))
      : recall.map((entry) => ticketElement(entry.order, ctx, { bumpedAtMs: entry.bumpedAtMs })),
  );
}

function renderClock() {
  clockEl.textContent = formatTime(
    new Date(serverNow()).toISOString(),
    kitchen?.timeZone,
    page.lang,
  );
  kitchenNameEl.textContent = kitchen?.displayName ?? kitchenId ?? "";
}

boardEl.addEventListener("click", onBoardTap);
boardEl.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") onBoardTap(event);
});
recallButton.addEventListener("click", () => {
  recallDrawer.hidden = !recallDrawer.hidden;
  render();
});
byId("recall-close").addEventListener("click", () => {
  recallDrawer.hidden = true;
});
addEventListener("online", () => socket.reconnectNow());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") socket.reconnectNow();
});
setInterval(() => {
  refreshAges(boardEl, { nowMs: serverNow(), thresholds });
  renderClock();
  // Outlines of new tickets fade after FRESH_MS: re-render when one expires.
  const now = Date.now();
  for (const [id, since] of freshSince) {
    if (now - since >= FRESH_MS) {
      freshSince.delete(id);
      render();
    }
  }
}, 1000);

if (kitchenId) loadKitchen(kitchenId);
render();
socket.start();
