import assert from "node:assert/strict";
import {
  applyErpEvent,
  canCancel,
  emptyErpState,
  orderLists,
  slotFill,
  slotTime,
  sortedSlots,
  withSlots,
} from "./erp_state.js";
import { envelope, order } from "./_test_orders.ts";

const slot = (id: string, start: string, load = 0, capacity = 100) => ({
  id,
  start,
  end: new Date(Date.parse(start) + 15 * 60_000).toISOString(),
  load,
  capacity,
  unit: "items",
});

Deno.test("`applyErpEvent()` takes active, scheduled and slots from a snapshot", () => {
  const active = order();
  const later = order({ visibleAt: "2026-11-26T12:00:00.000Z" });
  const s = slot("slot:main:1", "2026-11-26T09:00:00.000Z");
  const state = applyErpEvent(
    emptyErpState(),
    envelope("snapshot", { orders: [active], scheduled: [later], slots: [s] }),
  );
  assert.deepEqual(Object.keys(state.active), [active.id]);
  assert.deepEqual(Object.keys(state.scheduled), [later.id]);
  assert.deepEqual(sortedSlots(state), [s]);
});

Deno.test("`applyErpEvent()` files a new order as scheduled, then moves it to active when visible", () => {
  const o = order({ visibleAt: "2026-11-26T12:00:00.000Z" });
  let state = applyErpEvent(
    emptyErpState(),
    envelope("order.created", { order: o }, "2026-11-26T09:00:00Z"),
  );
  assert.deepEqual(Object.keys(state.scheduled), [o.id]);
  state = applyErpEvent(
    state,
    envelope("order.visible", { order: { ...o, version: 2 } }, "2026-11-26T12:00:00Z"),
  );
  assert.deepEqual(Object.keys(state.scheduled), []);
  assert.deepEqual(Object.keys(state.active), [o.id]);
});

Deno.test("`applyErpEvent()` files a new order as active, when it is due at once", () => {
  const o = order({ visibleAt: "2026-11-26T09:00:00.000Z" });
  const state = applyErpEvent(
    emptyErpState(),
    envelope("order.created", { order: o }, "2026-11-26T09:00:01Z"),
  );
  assert.deepEqual(Object.keys(state.active), [o.id]);
});

Deno.test("`applyErpEvent()` updates in place and drops completed or cancelled orders", () => {
  const a = order();
  const b = order({ visibleAt: "2026-11-26T12:00:00.000Z" });
  let state = applyErpEvent(emptyErpState(), envelope("snapshot", { orders: [a], scheduled: [b] }));
  state = applyErpEvent(
    state,
    envelope("order.status_changed", { order: { ...a, status: "cooking", version: 2 } }),
  );
  assert.equal(state.active[a.id].status, "cooking");
  state = applyErpEvent(
    state,
    envelope("order.cancelled", { order: { ...b, status: "cancelled", version: 2 } }),
  );
  assert.deepEqual(Object.keys(state.scheduled), []);
  state = applyErpEvent(
    state,
    envelope("order.status_changed", { order: { ...a, status: "completed", version: 5 } }),
  );
  assert.deepEqual(Object.keys(state.active), []);
});

Deno.test("`applyErpEvent()` ignores a stale version, when events arrive late or twice", () => {
  const a = order({ status: "ready", version: 4 });
  const state = applyErpEvent(emptyErpState(), envelope("snapshot", { orders: [a] }));
  const after = applyErpEvent(
    state,
    envelope("order.status_changed", { order: { ...a, status: "cooking", version: 3 } }),
  );
  assert.equal(after, state);
});

Deno.test("`applyErpEvent()` updates a slot's load, when slots.updated arrives for one of today's slots", () => {
  const s = slot("slot:main:1", "2026-11-26T09:00:00.000Z", 10);
  let state = withSlots(emptyErpState(), [s]);
  state = applyErpEvent(state, envelope("slots.updated", { slot: { id: s.id, load: 42 } }));
  assert.deepEqual(state.slots[s.id], { ...s, load: 42 });
  const other = applyErpEvent(
    state,
    envelope("slots.updated", { slot: { id: "slot:main:999", load: 1 } }),
  );
  assert.equal(other, state, "another day's slot is not added");
});

Deno.test("`orderLists()` sorts active orders by slot and scheduled ones by visibility", () => {
  const a = order({ slotStart: "2026-11-26T10:00:00.000Z" });
  const b = order({ slotStart: "2026-11-26T09:30:00.000Z" });
  const c = order({ visibleAt: "2026-11-26T13:00:00.000Z" });
  const d = order({ visibleAt: "2026-11-26T12:00:00.000Z" });
  const state = applyErpEvent(
    emptyErpState(),
    envelope("snapshot", { orders: [a, b], scheduled: [c, d] }),
  );
  const lists = orderLists(state);
  assert.deepEqual(lists.active.map((o) => o.id), [b.id, a.id]);
  assert.deepEqual(lists.scheduled.map((o) => o.id), [d.id, c.id]);
});

Deno.test("`slotFill()` grades load against capacity: low, high from 60 %, full from 90 %", () => {
  const s = (load: number, capacity = 100) =>
    slotFill(slot("x", "2026-11-26T09:00:00Z", load, capacity));
  assert.deepEqual(s(0), { ratio: 0, level: "low" });
  assert.equal(s(59).level, "low");
  assert.equal(s(60).level, "high");
  assert.equal(s(90).level, "full");
  assert.equal(s(120).ratio, 1.2);
  assert.equal(s(0, 0).level, "full", "no capacity counts as full");
});

Deno.test("`slotTime()` tells past, current and future slots apart", () => {
  const s = slot("x", "2026-11-26T09:00:00.000Z");
  assert.equal(slotTime(s, Date.parse("2026-11-26T08:59:59Z")), "future");
  assert.equal(slotTime(s, Date.parse("2026-11-26T09:00:00Z")), "current");
  assert.equal(slotTime(s, Date.parse("2026-11-26T09:15:00Z")), "past");
});

Deno.test("`canCancel()` allows cancelling only before cooking, like the status machine", () => {
  assert.deepEqual(
    ["pending", "preparing", "cooking", "ready", "completed", "cancelled"].filter(canCancel),
    ["pending", "preparing"],
  );
});
