import assert from "node:assert/strict";
import {
  canTransition,
  isLive,
  isTerminal,
  nextStatus,
  ORDER_STATUSES,
  type OrderStatus,
  parseStatus,
} from "./status.ts";

const ALLOWED_PAIRS = new Set([
  "pending>preparing",
  "preparing>cooking",
  "cooking>ready",
  "ready>completed",
  "pending>cancelled",
  "preparing>cancelled",
]);

Deno.test("`ORDER_STATUSES` lists the six statuses in flow order", () => {
  assert.deepEqual(
    [...ORDER_STATUSES],
    ["pending", "preparing", "cooking", "ready", "completed", "cancelled"],
  );
});

Deno.test("`canTransition()` allows exactly the forward steps and early cancels, over all 36 pairs", () => {
  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      assert.equal(
        canTransition(from, to),
        ALLOWED_PAIRS.has(`${from}>${to}`),
        `${from} → ${to}`,
      );
    }
  }
});

Deno.test("`canTransition()` rejects cancelling once cooking has started", () => {
  assert.equal(canTransition("cooking", "cancelled"), false);
  assert.equal(canTransition("ready", "cancelled"), false);
  assert.equal(canTransition("completed", "cancelled"), false);
});

Deno.test("`canTransition()` rejects going backwards, skipping a step and self-transitions", () => {
  assert.equal(canTransition("cooking", "pending"), false);
  assert.equal(canTransition("pending", "cooking"), false);
  assert.equal(canTransition("ready", "ready"), false);
  assert.equal(canTransition("cancelled", "pending"), false);
});

Deno.test("`nextStatus()` advances one step and bumps ready to completed", () => {
  assert.equal(nextStatus("pending"), "preparing");
  assert.equal(nextStatus("preparing"), "cooking");
  assert.equal(nextStatus("cooking"), "ready");
  assert.equal(nextStatus("ready"), "completed");
});

Deno.test("`nextStatus()` returns undefined for terminal statuses", () => {
  assert.equal(nextStatus("completed"), undefined);
  assert.equal(nextStatus("cancelled"), undefined);
});

Deno.test("`nextStatus()` only ever proposes an allowed transition", () => {
  for (const from of ORDER_STATUSES) {
    const next = nextStatus(from);
    if (next !== undefined) assert.ok(canTransition(from, next), `${from} → ${next}`);
  }
});

Deno.test("`isTerminal()` is true for completed and cancelled only", () => {
  const terminal = ORDER_STATUSES.filter(isTerminal);
  assert.deepEqual(terminal, ["completed", "cancelled"]);
});

Deno.test("`isLive()` is true for the four statuses that hold slot capacity", () => {
  const live = ORDER_STATUSES.filter(isLive);
  assert.deepEqual(live, ["pending", "preparing", "cooking", "ready"]);
});

Deno.test("`isTerminal()` agrees with having no allowed transition out", () => {
  for (const from of ORDER_STATUSES) {
    const hasWayOut = ORDER_STATUSES.some((to) => canTransition(from, to));
    assert.equal(isTerminal(from), !hasWayOut, from);
  }
});

Deno.test("`parseStatus()` accepts every status name, ignoring case and surrounding spaces", () => {
  for (const status of ORDER_STATUSES) assert.equal(parseStatus(status), status);
  assert.equal(parseStatus("  Cooking "), "cooking");
  assert.equal(parseStatus("READY"), "ready");
});

Deno.test("`parseStatus()` returns undefined for unknown text, including object keys", () => {
  const rejected: string[] = [
    "",
    "done",
    "cook ing",
    "ORDER_STATUS_PENDING",
    "constructor",
    "toString",
    "__proto__",
  ];
  for (const text of rejected) {
    const parsed: OrderStatus | undefined = parseStatus(text);
    assert.equal(parsed, undefined, JSON.stringify(text));
  }
});
