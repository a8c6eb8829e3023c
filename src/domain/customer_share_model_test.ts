import assert from "node:assert/strict";
import { CustomerShareLedger } from "./customer_share_model.ts";

const SLOTS = ["s1", "s2", "s3"];
const CAPS = { openOrders: 2, slotLoad: 4 };

Deno.test("`CustomerShareLedger` keeps one customer within its share of a slot, then the next slot", () => {
  const ledger = new CustomerShareLedger();
  assert.deepEqual(ledger.reserve("a", SLOTS, 3, 10, CAPS, "o1"), {
    kind: "reserved",
    slotId: "s1",
  });
  // 3 + 3 > 4: not in s1 for "a", though s1 has room…
  assert.deepEqual(ledger.reserve("a", SLOTS, 3, 10, CAPS, "o2"), {
    kind: "reserved",
    slotId: "s2",
  });
  // …which another customer gets.
  assert.deepEqual(ledger.reserve("b", SLOTS, 3, 10, CAPS, "o3"), {
    kind: "reserved",
    slotId: "s1",
  });
  assert.equal(ledger.heldBy("a", "s1"), 3);
});

Deno.test("`CustomerShareLedger` counts open orders until they are cooked or released", () => {
  const ledger = new CustomerShareLedger();
  ledger.reserve("a", SLOTS, 1, 10, CAPS, "o1");
  ledger.reserve("a", SLOTS, 1, 10, CAPS, "o2");
  assert.deepEqual(ledger.reserve("a", SLOTS, 1, 10, CAPS, "o3"), { kind: "open_orders_limit" });
  ledger.cook("o1");
  assert.equal(ledger.reserve("a", SLOTS, 1, 10, CAPS, "o4").kind, "reserved");
  assert.equal(ledger.slots.load("s1"), 3, "a cooked order still fills its slot");
  ledger.release("o2");
  assert.equal(ledger.reserve("a", SLOTS, 1, 10, CAPS, "o5").kind, "reserved");
  assert.equal(ledger.openCount("a"), 2);
});

Deno.test("`CustomerShareLedger` answers full when no slot has room within the share", () => {
  const ledger = new CustomerShareLedger();
  assert.deepEqual(ledger.reserve("a", SLOTS, 5, 10, CAPS, "o1"), { kind: "full" });
  assert.equal(ledger.slots.load("s1"), 0, "nothing booked");
});
