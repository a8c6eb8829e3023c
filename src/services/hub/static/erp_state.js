// @ts-check
/**
 * The dashboard's live picture of one kitchen, built from /ws/erp envelopes (docs/hub-api.md):
 * active orders (on the kitchen's screens), scheduled orders (accepted, not yet due) and today's
 * slots with their load. Pure and immutable; the caller passes times.
 */

/** @typedef {import("./kds_state.js").Order} Order */
/**
 * @typedef {{ id: string, start: string, end: string, load: number, capacity: number,
 *   unit?: string }} Slot
 * @typedef {{ active: Readonly<Record<string, Order>>, scheduled: Readonly<Record<string, Order>>,
 *   slots: Readonly<Record<string, Slot>> }} ErpState
 * @typedef {{ type: string, eventId?: string, at?: string, order?: Order, orders?: Order[],
 *   scheduled?: Order[], slots?: Slot[], slot?: Partial<Slot> & { id: string } }} ErpEnvelope
 */

const TERMINAL = new Set(["completed", "cancelled"]);
/** Statuses a manager may still cancel from (the kitchen has not started baking). */
const CANCELLABLE = new Set(["pending", "preparing"]);

/** @returns {ErpState} */
export function emptyErpState() {
  return { active: {}, scheduled: {}, slots: {} };
}

/** @param {string} status */
export function canCancel(status) {
  return CANCELLABLE.has(status);
}

/**
 * Applies one envelope. Order events move an order between the scheduled and active lists (or out,
 * when completed or cancelled); a lower `version` than the one held is stale and ignored.
 * @param {ErpState} state
 * @param {ErpEnvelope} event
 * @returns {ErpState}
 */
export function applyErpEvent(state, event) {
  switch (event.type) {
    case "snapshot":
      return {
        active: byId((event.orders ?? []).filter((o) => !TERMINAL.has(o.status))),
        scheduled: byId((event.scheduled ?? []).filter((o) => !TERMINAL.has(o.status))),
        slots: event.slots ? byId(event.slots) : state.slots,
      };
    case "slots.updated":
      return event.slot ? withSlot(state, event.slot) : state;
    case "order.created":
    case "order.visible":
    case "order.status_changed":
    case "order.cancelled":
      return event.order ? withOrder(state, event.order, event.type, event.at) : state;
    default:
      return state;
  }
}

/**
 * @param {ErpState} state
 * @param {Order} order
 * @param {string} type
 * @param {string | undefined} at
 * @returns {ErpState}
 */
function withOrder(state, order, type, at) {
  const held = state.active[order.id] ?? state.scheduled[order.id];
  if (held && order.version < held.version) return state;
  const active = { ...state.active };
  const scheduled = { ...state.scheduled };
  delete active[order.id];
  delete scheduled[order.id];
  if (!TERMINAL.has(order.status)) {
    const visible = type === "order.visible" || state.active[order.id] !== undefined ||
      isDue(order, at);
    (visible ? active : scheduled)[order.id] = order;
  }
  return { ...state, active, scheduled };
}

/**
 * @param {ErpState} state
 * @param {Partial<Slot> & { id: string }} slot
 * @returns {ErpState}
 */
function withSlot(state, slot) {
  const held = state.slots[slot.id];
  // Only today's slots are on the dashboard; an update for another day's slot is not shown.
  if (!held) return state;
  return { ...state, slots: { ...state.slots, [slot.id]: { ...held, ...slot } } };
}

/**
 * Replaces the slots with a REST answer (GET /slots).
 * @param {ErpState} state
 * @param {Slot[]} slots
 * @returns {ErpState}
 */
export function withSlots(state, slots) {
  return { ...state, slots: byId(slots) };
}

/**
 * @param {Order} order
 * @param {string | undefined} at
 */
function isDue(order, at) {
  const visibleAt = Date.parse(order.visibleAt);
  const now = at ? Date.parse(at) : NaN;
  return !Number.isNaN(visibleAt) && !Number.isNaN(now) && visibleAt <= now;
}

/**
 * @template {{ id: string }} T
 * @param {T[]} list
 * @returns {Record<string, T>}
 */
function byId(list) {
  return Object.fromEntries(list.map((x) => [x.id, x]));
}

/**
 * Active orders by slot, then number; scheduled ones by when they reach the kitchen.
 * @param {ErpState} state
 */
export function orderLists(state) {
  const by =
    (/** @type {(o: Order) => string} */ key) => (/** @type {Order} */ a, /** @type {Order} */ b) =>
      (Date.parse(key(a)) || 0) - (Date.parse(key(b)) || 0) ||
      a.displayId.localeCompare(b.displayId, undefined, { numeric: true });
  return {
    active: Object.values(state.active).sort(by((o) => o.slotStart)),
    scheduled: Object.values(state.scheduled).sort(by((o) => o.visibleAt)),
  };
}

/**
 * @param {ErpState} state
 * @returns {Slot[]}
 */
export function sortedSlots(state) {
  return Object.values(state.slots).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

/**
 * How full a slot is: "low" below 60 %, "high" below 90 %, "full" from 90 %.
 * @param {Slot} slot
 * @returns {{ ratio: number, level: "low" | "high" | "full" }}
 */
export function slotFill(slot) {
  const ratio = slot.capacity > 0 ? Math.max(0, slot.load / slot.capacity) : 1;
  return { ratio, level: ratio >= 0.9 ? "full" : ratio >= 0.6 ? "high" : "low" };
}

/**
 * Where a slot stands against `nowMs`.
 * @param {Slot} slot
 * @param {number} nowMs
 * @returns {"past" | "current" | "future"}
 */
export function slotTime(slot, nowMs) {
  if (Date.parse(slot.end) <= nowMs) return "past";
  if (Date.parse(slot.start) <= nowMs) return "current";
  return "future";
}
