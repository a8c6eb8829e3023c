/**
 * The kitchen display (KDS) page: wires the live socket, the board state (kds_state.js), the
 * tickets (kds_ticket_view.js) and the panels around them (kds_panels_view.js), taps that advance
 * a status over REST, the recall list, the station filter and the new-order sound.
 *
 * Query: ?kitchen=<id> (default kitchen if absent), ?station=<name>|all, ?warn=5&late=8 (age
 * colours, minutes), ?lang=ru|en, #token=… (kept, then removed from the address bar).
 */
import { byId } from "./dom.js";
import { formatTime } from "./format.js";
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
import { renderAllDay, renderRecall, renderStations } from "./kds_panels_view.js";
import { refreshAges, ticketElement } from "./kds_ticket_view.js";
import { LiveSocket, socketUrl } from "./live_socket.js";
import { startPage } from "./page_shell.js";
import { parseRecall, pruneRecall, pushRecall } from "./recall_list.js";
import { bestOffset, measureOffset } from "./server_clock.js";
import { armSoundOverlay, Beeper } from "./sound.js";

/** A tap waits this long for the hub's event confirming the change before giving up. */
const CONFIRM_TIMEOUT_MS = 8000;
/** A second tap on a ticket this soon after the first is a bounce (a double tap), not a step. */
const TAP_GUARD_MS = 400;
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
/** @type {Map<string, number>} order id → when its last tap was taken (local ms) */
const lastTap = new Map();
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
  onState: (state, detail) => page.showConnection(state, detail, () => socket.stop()),
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
    lastTap.delete(order.id);
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
}

/** @param {string} id whether taps on the ticket are ignored right now */
function locked(id) {
  return pending.has(id) || Date.now() - (lastTap.get(id) ?? 0) < TAP_GUARD_MS;
}

/** @param {import("./kds_state.js").Order} order */
function remember(order) {
  recall = pushRecall(pruneRecall(recall, Date.now()), order, Date.now());
  localStorage.setItem(recallKey(), JSON.stringify(recall));
}

/** Whether the kitchen's settings are being fetched (events keep arriving meanwhile). */
let kitchenLoading = false;

/**
 * Fetches the kitchen's settings (time zone, stations, name); retried while the hub is away.
 * @param {string} id
 */
async function loadKitchen(id) {
  if ((kitchenId && kitchenId !== id) || kitchenLoading) return;
  kitchenId = id;
  kitchenLoading = true;
  recall = parseRecall(localStorage.getItem(recallKey()), Date.now());
  try {
    kitchen = await page.api.kitchen(id);
    // The hub refuses a socket for a station the kitchen does not have: fall back to all.
    if (station !== ALL_STATIONS && !kitchen?.stations.includes(station)) {
      page.toast(page.t("err.badQuery", { message: `station=${station}` }), "error");
      chooseStation(ALL_STATIONS);
    }
    render(true);
  } catch (error) {
    page.toast(page.explain(error), "error");
    const status = /** @type {import("./api.js").ApiError} */ (error).status;
    // Retry outages; an unknown kitchen or a refused token will not get better by itself.
    if (status !== 404 && status !== 401 && status !== 403) {
      setTimeout(() => loadKitchen(id), 5000);
    }
  } finally {
    kitchenLoading = false;
  }
}

/** @param {Event} event */
async function onBoardTap(event) {
  const ticket = /** @type {HTMLElement | null} */ (
    /** @type {HTMLElement} */ (event.target).closest(".ticket[data-order-id]")
  );
  const id = ticket?.dataset.orderId;
  const order = id ? board.orders[id] : undefined;
  if (!id || !order || locked(id)) return;
  const target = nextStatus(order.status);
  if (!target) return;
  lastTap.set(id, Date.now());
  setTimeout(render, TAP_GUARD_MS + 20); // unlock the ticket on screen when the guard ends
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
    const sending = pending.has(order.id);
    const key = `${order.version}|${order.status}|${sending}|${locked(order.id)}|${fresh}`;
    let entry = rendered.get(order.id);
    if (!entry || entry.key !== key) {
      const el = ticketElement(order, ctx, { sending, locked: locked(order.id) });
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
  renderStations(stationsEl, {
    stations: kitchen?.stations ?? [],
    station,
    lang: page.lang,
    t: page.t,
    choose: chooseStation,
  });
  renderAllDay(allDayEl, allDayCounts(board, station), page.t);
  recall = pruneRecall(recall, Date.now());
  renderRecall({ button: recallButton, drawer: recallDrawer, list: recallList }, recall, ctx);
  renderClock();
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
page.onTokenRenewed((token) => socket.authenticate(token));
socket.start();
