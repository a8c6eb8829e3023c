// @ts-check
/**
 * The kitchen display's picture of the kitchen, built only from the hub's event envelopes
 * (docs/hub-api.md): which orders are on the board, in what order, how old, and what the cooks
 * have in progress. Pure and immutable: every function returns new values; no DOM, no clock
 * (the caller passes "now").
 */

/**
 * The order JSON is the one the consumer stores (src/domain/order.ts); only its types are shared,
 * the browser never loads TypeScript.
 * @typedef {import("../../../domain/order.ts").Order} Order
 * @typedef {import("../../../domain/order.ts").OrderItem} Item
 * @typedef {import("../../../domain/status.ts").OrderStatus} Status
 * @typedef {{ type: string, eventId?: string, at?: string, kitchenId?: string, order?: Order,
 *   orders?: readonly Order[] }} Envelope
 * @typedef {{ orders: Readonly<Record<string, Order>> }} Board
 * @typedef {{ order: Order, reason: "completed" | "cancelled" | "gone" }} Removal
 * @typedef {{ board: Board, added: Order[], removed: Removal[] }} Change
 * @typedef {{ warnMinutes: number, lateMinutes: number }} Thresholds
 */

/** Statuses a ticket is shown in, in the order the kitchen moves through them. */
export const BOARD_STATUSES = /** @type {const} */ (["pending", "preparing", "cooking", "ready"]);
/** Statuses whose items still need work (for the all-day counts); ready ones are done. */
export const IN_PROGRESS_STATUSES = /** @type {const} */ (["pending", "preparing", "cooking"]);

/** @type {Readonly<Record<string, Status | undefined>>} */
const NEXT = { pending: "preparing", preparing: "cooking", cooking: "ready", ready: "completed" };

export const DEFAULT_THRESHOLDS = /** @type {Thresholds} */ ({ warnMinutes: 5, lateMinutes: 8 });

/** "All stations": no station query, or `all`. */
export const ALL_STATIONS = "all";

/** @returns {Board} */
export function emptyBoard() {
  return { orders: {} };
}

/**
 * The status one tap moves a ticket to (a tap on a ready ticket is the bump: completed).
 * @param {Status} status
 * @returns {Status | undefined}
 */
export function nextStatus(status) {
  return NEXT[status];
}

/** @param {string} status */
export function isOnBoard(status) {
  return /** @type {readonly string[]} */ (BOARD_STATUSES).includes(status);
}

/**
 * Whether an order belongs on a tablet filtered to `station` (it has at least one item there).
 * @param {Order} order
 * @param {string | undefined} station
 */
export function matchesStation(order, station) {
  if (!station || station === ALL_STATIONS) return true;
  return order.items.some((item) => item.station === station);
}

/**
 * The items a station's tablet shows for an order, and how many lines belong to other stations.
 * @param {Order} order
 * @param {string | undefined} station
 * @returns {{ items: Item[], otherCount: number }}
 */
export function itemsForStation(order, station) {
  if (!station || station === ALL_STATIONS) return { items: [...order.items], otherCount: 0 };
  const items = order.items.filter((item) => item.station === station);
  return { items, otherCount: order.items.length - items.length };
}

/**
 * The dose sheet of one pizza. Intake's `ingredients` are already the totals per pizza, recipe
 * plus extras summed by name; lines an extra contributed to are flagged so the ticket can
 * highlight them (the extras themselves are listed by name only, so no dose shows twice).
 * @param {Item} item
 * @returns {{ name: string, grams: number, extra: boolean }[]}
 */
export function doseLines(item) {
  const extraNames = new Set(item.extras.map((extra) => extra.name));
  return item.ingredients.map((ingredient) => ({
    name: ingredient.name,
    grams: ingredient.grams,
    extra: extraNames.has(ingredient.name),
  }));
}

/**
 * Applies one envelope from /ws/kds. A `snapshot` replaces the board; order events add, update or
 * remove one ticket. Stale events (a lower `version` than the ticket shows) change nothing, so a
 * replayed or duplicated event is harmless. `added` lists tickets new to the board (they beep),
 * `removed` those that left it and why (completed ones can be recalled).
 * @param {Board} board
 * @param {Envelope} event
 * @param {string | undefined} station the tablet's station filter
 * @returns {Change}
 */
export function applyEvent(board, event, station) {
  if (event.type === "snapshot") return applySnapshot(board, event.orders ?? [], station);
  const order = event.order;
  if (!order || typeof order.id !== "string") return unchanged(board);
  const current = board.orders[order.id];
  if (current && order.version < current.version) return unchanged(board);

  switch (event.type) {
    case "order.visible":
    case "order.status_changed":
    case "order.cancelled": {
      if (!isOnBoard(order.status) || !matchesStation(order, station)) {
        if (!current) return unchanged(board);
        const reason = order.status === "completed"
          ? "completed"
          : order.status === "cancelled"
          ? "cancelled"
          : "gone";
        return { board: without(board, order.id), added: [], removed: [{ order, reason }] };
      }
      // A status change of an order not on the board yet is shown only once it is due (visible).
      if (!current && event.type !== "order.visible" && !isDue(order, event.at)) {
        return unchanged(board);
      }
      return {
        board: { orders: { ...board.orders, [order.id]: order } },
        added: current ? [] : [order],
        removed: [],
      };
    }
    default:
      return unchanged(board); // order.created (not yet due), slots.updated, pong, …
  }
}

/**
 * @param {Board} board
 * @param {readonly Order[]} orders
 * @param {string | undefined} station
 * @returns {Change}
 */
function applySnapshot(board, orders, station) {
  /** @type {Record<string, Order>} */
  const next = {};
  for (const order of orders) {
    if (isOnBoard(order.status) && matchesStation(order, station)) next[order.id] = order;
  }
  const added = Object.values(next).filter((order) => !board.orders[order.id]);
  /** @type {Removal[]} */
  const removed = Object.values(board.orders)
    .filter((order) => !next[order.id])
    .map((order) => ({ order, reason: "gone" }));
  return { board: { orders: next }, added, removed };
}

/**
 * @param {Order} order
 * @param {string | undefined} at
 */
function isDue(order, at) {
  const visibleAt = Date.parse(order.visibleAt);
  const now = at ? Date.parse(at) : NaN;
  return Number.isNaN(visibleAt) || Number.isNaN(now) || visibleAt <= now;
}

/** @param {Board} board @returns {Change} */
function unchanged(board) {
  return { board, added: [], removed: [] };
}

/** @param {Board} board @param {string} id @returns {Board} */
function without(board, id) {
  const orders = { ...board.orders };
  delete orders[id];
  return { orders };
}

/**
 * The tickets in the order cooks work them: earliest slot first, then the one visible longest,
 * then by number.
 * @param {Board} board
 * @returns {Order[]}
 */
export function sortedOrders(board) {
  return Object.values(board.orders).sort((a, b) =>
    compareIso(a.slotStart, b.slotStart) ||
    compareIso(a.visibleAt, b.visibleAt) ||
    a.displayId.localeCompare(b.displayId, undefined, { numeric: true })
  );
}

/** @param {string} a @param {string} b */
function compareIso(a, b) {
  return (Date.parse(a) || 0) - (Date.parse(b) || 0);
}

/**
 * How long the order has been on the kitchen's screens: since `visibleAt` (never negative).
 * @param {Order} order
 * @param {number} nowMs
 */
export function ageMs(order, nowMs) {
  const since = Date.parse(order.visibleAt);
  return Number.isNaN(since) ? 0 : Math.max(0, nowMs - since);
}

/**
 * The age colour: "ok" under `warnMinutes`, "warn" from it, "late" from `lateMinutes`.
 * @param {number} ms
 * @param {Thresholds} thresholds
 * @returns {"ok" | "warn" | "late"}
 */
export function ageLevel(ms, thresholds) {
  if (ms >= thresholds.lateMinutes * 60_000) return "late";
  if (ms >= thresholds.warnMinutes * 60_000) return "warn";
  return "ok";
}

/**
 * Colour thresholds from the page query (`?warn=5&late=8`, minutes, decimals allowed). A missing
 * or unusable value keeps its default; `late` below `warn` is raised to `warn`.
 * @param {string | null | undefined} warnText
 * @param {string | null | undefined} lateText
 * @returns {Thresholds}
 */
export function parseThresholds(warnText, lateText) {
  /** @param {string | null | undefined} text @param {number} fallback */
  const minutes = (text, fallback) => {
    const value = text == null || text.trim() === "" ? NaN : Number(text);
    return Number.isFinite(value) && value >= 0 && value <= 24 * 60 ? value : fallback;
  };
  const warnMinutes = minutes(warnText, DEFAULT_THRESHOLDS.warnMinutes);
  const lateMinutes = minutes(lateText, DEFAULT_THRESHOLDS.lateMinutes);
  return { warnMinutes, lateMinutes: Math.max(lateMinutes, warnMinutes) };
}

/**
 * All-day counts: how many of each pizza are still to make (pending, preparing, cooking) across the
 * tickets on the board, counting only the station's items. Most first, then by name.
 * @param {Board} board
 * @param {string | undefined} station
 * @returns {{ name: string, count: number }[]}
 */
export function allDayCounts(board, station) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const order of Object.values(board.orders)) {
    if (!/** @type {readonly string[]} */ (IN_PROGRESS_STATUSES).includes(order.status)) continue;
    for (const item of itemsForStation(order, station).items) {
      counts.set(item.pizzaName, (counts.get(item.pizzaName) ?? 0) + item.quantity);
    }
  }
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, "ru"));
}
