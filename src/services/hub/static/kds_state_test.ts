import assert from "node:assert/strict";
import { nextStatus as domainNextStatus, ORDER_STATUSES } from "../../../domain/status.ts";
import {
  ageLevel,
  ageMs,
  allDayCounts,
  applyEvent,
  doseLines,
  emptyBoard,
  itemsForStation,
  matchesStation,
  nextStatus,
  parseThresholds,
  sortedOrders,
} from "./kds_state.js";
import { envelope, order, pizzaItem } from "./_test_orders.ts";

const ids = (board: ReturnType<typeof emptyBoard>) => Object.keys(board.orders).sort();

Deno.test("`applyEvent()` replaces the board with a snapshot's live orders, when a snapshot arrives", () => {
  const stale = order();
  const kept = order();
  let board =
    applyEvent(emptyBoard(), envelope("snapshot", { orders: [stale, kept] }), "all").board;
  const fresh = order({ status: "cooking" });
  const done = order({ status: "completed" });
  const change = applyEvent(board, envelope("snapshot", { orders: [kept, fresh, done] }), "all");
  board = change.board;
  assert.deepEqual(ids(board), [kept.id, fresh.id].sort());
  assert.deepEqual(change.added.map((o) => o.id), [fresh.id]);
  assert.deepEqual(change.removed.map((r) => [r.order.id, r.reason]), [[stale.id, "gone"]]);
});

Deno.test("`applyEvent()` adds a ticket and reports it as new, when an order becomes visible", () => {
  const o = order();
  const change = applyEvent(emptyBoard(), envelope("order.visible", { order: o }), undefined);
  assert.deepEqual(ids(change.board), [o.id]);
  assert.deepEqual(change.added, [o]);
  const again = applyEvent(change.board, envelope("order.visible", { order: o }), undefined);
  assert.deepEqual(again.added, [], "a replayed event is not new again");
});

Deno.test("`applyEvent()` updates the status, when a status change arrives", () => {
  const o = order();
  const board = applyEvent(emptyBoard(), envelope("order.visible", { order: o }), "all").board;
  const cooking = { ...o, status: "preparing" as const, version: 2 };
  const change = applyEvent(board, envelope("order.status_changed", { order: cooking }), "all");
  assert.equal(change.board.orders[o.id].status, "preparing");
  assert.deepEqual(change.added, []);
  assert.deepEqual(change.removed, []);
});

Deno.test("`applyEvent()` ignores an event older than the ticket, when events arrive twice or late", () => {
  const o = order({ status: "cooking", version: 3 });
  const board = applyEvent(emptyBoard(), envelope("order.visible", { order: o }), "all").board;
  const old = { ...o, status: "preparing" as const, version: 2 };
  const change = applyEvent(board, envelope("order.status_changed", { order: old }), "all");
  assert.equal(change.board, board);
  assert.equal(change.board.orders[o.id].status, "cooking");
});

Deno.test("`applyEvent()` removes a ticket with the reason, when the order is completed or cancelled", () => {
  const a = order({ status: "ready" });
  const b = order();
  let board = applyEvent(emptyBoard(), envelope("snapshot", { orders: [a, b] }), "all").board;
  const done = applyEvent(
    board,
    envelope("order.status_changed", { order: { ...a, status: "completed", version: 2 } }),
    "all",
  );
  assert.deepEqual(done.removed.map((r) => r.reason), ["completed"]);
  board = done.board;
  const cancelled = applyEvent(
    board,
    envelope("order.cancelled", { order: { ...b, status: "cancelled", version: 2 } }),
    "all",
  );
  assert.deepEqual(cancelled.removed.map((r) => r.reason), ["cancelled"]);
  assert.deepEqual(ids(cancelled.board), []);
});

Deno.test("`applyEvent()` changes nothing, when a completed or cancelled order was never shown", () => {
  const o = order({ status: "cancelled", version: 2 });
  const board = emptyBoard();
  const change = applyEvent(board, envelope("order.cancelled", { order: o }), "all");
  assert.equal(change.board, board);
  assert.deepEqual(change.removed, []);
});

Deno.test("`applyEvent()` keeps a not-yet-due order off the board, when its status changes early", () => {
  const future = order({ visibleAt: "2026-11-26T10:00:00.000Z" });
  const early = envelope(
    "order.status_changed",
    { order: { ...future, status: "preparing", version: 2 } },
    "2026-11-26T09:05:00.000Z",
  );
  assert.deepEqual(ids(applyEvent(emptyBoard(), early, "all").board), []);
  const due = envelope(
    "order.status_changed",
    { order: { ...future, status: "preparing", version: 2 } },
    "2026-11-26T10:00:01.000Z",
  );
  assert.deepEqual(ids(applyEvent(emptyBoard(), due, "all").board), [future.id]);
});

Deno.test("`applyEvent()` shows only orders with an item of the station, when a station is chosen", () => {
  const pizza = order();
  const dessert = order({ items: [pizzaItem("Шоколадная с бананом", 1, "dessert")] });
  const both = order({
    items: [pizzaItem("Маргарита", 1), pizzaItem("Шоколадная с бананом", 1, "dessert")],
  });
  const snapshot = envelope("snapshot", { orders: [pizza, dessert, both] });
  assert.deepEqual(
    ids(applyEvent(emptyBoard(), snapshot, "dessert").board),
    [dessert.id, both.id].sort(),
  );
  assert.deepEqual(ids(applyEvent(emptyBoard(), snapshot, "all").board).length, 3);
  assert.equal(matchesStation(pizza, "dessert"), false);
  assert.deepEqual(itemsForStation(both, "dessert"), { items: [both.items[1]], otherCount: 1 });
  assert.deepEqual(itemsForStation(both, undefined).otherCount, 0);
});

Deno.test("`applyEvent()` ignores envelopes that carry no order for the board", () => {
  const board = emptyBoard();
  for (const type of ["order.created", "slots.updated", "pong", "error"]) {
    assert.equal(applyEvent(board, envelope(type, { order: order() }), "all").board, board);
  }
  assert.equal(applyEvent(board, envelope("order.visible", {}), "all").board, board);
});

Deno.test("`nextStatus()` agrees with the domain's status machine for every status", () => {
  for (const status of ORDER_STATUSES) {
    assert.equal(nextStatus(status), domainNextStatus(status), status);
  }
});

Deno.test("`sortedOrders()` puts the earliest slot first, then the longest visible, then the number", () => {
  const late = order({ slotStart: "2026-11-26T10:00:00.000Z", displayId: "001" });
  const early2 = order({ visibleAt: "2026-11-26T09:01:00.000Z", displayId: "002" });
  const early1 = order({ visibleAt: "2026-11-26T09:00:00.000Z", displayId: "010" });
  const early3 = order({ visibleAt: "2026-11-26T09:01:00.000Z", displayId: "009" });
  const board = applyEvent(
    emptyBoard(),
    envelope("snapshot", { orders: [late, early2, early1, early3] }),
    "all",
  ).board;
  assert.deepEqual(sortedOrders(board).map((o) => o.displayId), ["010", "002", "009", "001"]);
});

Deno.test("`ageLevel()` turns yellow at the warn and red at the late threshold", () => {
  const t = { warnMinutes: 5, lateMinutes: 8 };
  assert.equal(ageLevel(0, t), "ok");
  assert.equal(ageLevel(5 * 60_000 - 1, t), "ok");
  assert.equal(ageLevel(5 * 60_000, t), "warn");
  assert.equal(ageLevel(8 * 60_000 - 1, t), "warn");
  assert.equal(ageLevel(8 * 60_000, t), "late");
});

Deno.test("`ageMs()` counts from visibleAt and never goes negative, when the clock is behind", () => {
  const o = order({ visibleAt: "2026-11-26T09:00:00.000Z" });
  assert.equal(ageMs(o, Date.parse("2026-11-26T09:06:30.000Z")), 390_000);
  assert.equal(ageMs(o, Date.parse("2026-11-26T08:59:00.000Z")), 0);
});

Deno.test("`parseThresholds()` reads ?warn and ?late, and keeps defaults for missing or bad values", () => {
  assert.deepEqual(parseThresholds(null, null), { warnMinutes: 5, lateMinutes: 8 });
  assert.deepEqual(parseThresholds("2", "3.5"), { warnMinutes: 2, lateMinutes: 3.5 });
  assert.deepEqual(parseThresholds("abc", "-1"), { warnMinutes: 5, lateMinutes: 8 });
  assert.deepEqual(parseThresholds("10", ""), { warnMinutes: 10, lateMinutes: 10 }, "late ≥ warn");
});

Deno.test("`allDayCounts()` sums pizzas still to make at the station, most first", () => {
  const a = order({
    items: [pizzaItem("Маргарита", 2), pizzaItem("Шоколадная с бананом", 1, "dessert")],
  });
  const b = order({
    status: "cooking",
    items: [pizzaItem("Пепперони", 3), pizzaItem("Маргарита", 1)],
  });
  const ready = order({ status: "ready", items: [pizzaItem("Пепперони", 5)] });
  const board =
    applyEvent(emptyBoard(), envelope("snapshot", { orders: [a, b, ready] }), "all").board;
  assert.deepEqual(allDayCounts(board, "all"), [
    { name: "Маргарита", count: 3 },
    { name: "Пепперони", count: 3 },
    { name: "Шоколадная с бананом", count: 1 },
  ]);
  assert.deepEqual(allDayCounts(board, "dessert"), [{ name: "Шоколадная с бананом", count: 1 }]);
});

Deno.test("`doseLines()` flags the doses an extra went into, when the pizza has extras", () => {
  const item = {
    ...pizzaItem("Маргарита", 1),
    extras: [{ name: "Двойной сыр", priceKopecks: 9900, grams: 50 }],
    ingredients: [{ name: "Моцарелла", grams: 180 }, { name: "Двойной сыр", grams: 50 }],
  };
  assert.deepEqual(doseLines(item), [
    { name: "Моцарелла", grams: 180, extra: false },
    { name: "Двойной сыр", grams: 50, extra: true },
  ]);
});
