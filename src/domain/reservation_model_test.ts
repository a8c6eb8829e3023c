import assert from "node:assert/strict";
import fc from "fast-check";
import { SlotLedger } from "./reservation_model.ts";

const SLOTS = ["slot:main:1000", "slot:main:1900", "slot:main:2800"];

Deno.test("`SlotLedger.reserve()` books the first slot with room", () => {
  const ledger = new SlotLedger();
  assert.equal(ledger.reserve(SLOTS, 60, 100, "a"), SLOTS[0]);
  assert.equal(ledger.reserve(SLOTS, 40, 100, "b"), SLOTS[0]); // exactly full is allowed
  assert.equal(ledger.reserve(SLOTS, 1, 100, "c"), SLOTS[1]);
  assert.equal(ledger.load(SLOTS[0]), 100);
  assert.equal(ledger.load(SLOTS[1]), 1);
  assert.equal(ledger.load(SLOTS[2]), 0);
});

Deno.test("`SlotLedger.reserve()` spills a heavy order past a slot that still fits lighter ones", () => {
  const ledger = new SlotLedger();
  ledger.reserve(SLOTS, 70, 100, "a");
  assert.equal(ledger.reserve(SLOTS, 50, 100, "heavy"), SLOTS[1]);
  assert.equal(ledger.reserve(SLOTS, 30, 100, "light"), SLOTS[0]);
});

Deno.test("`SlotLedger.reserve()` returns undefined when every candidate is full, booking nothing", () => {
  const ledger = new SlotLedger();
  for (const [i, slot] of SLOTS.entries()) ledger.reserve([slot], 90, 100, `o${i}`);
  assert.equal(ledger.reserve(SLOTS, 20, 100, "late"), undefined);
  assert.equal(ledger.slotOf("late"), undefined);
  assert.deepEqual(SLOTS.map((s) => ledger.load(s)), [90, 90, 90]);
  assert.equal(ledger.reserve(SLOTS, 101, 100, "too-big"), undefined);
  assert.equal(ledger.reserve([], 1, 100, "no-candidates"), undefined);
});

Deno.test("`SlotLedger.reserve()` is idempotent per order: same slot, counted once", () => {
  const ledger = new SlotLedger();
  assert.equal(ledger.reserve(SLOTS, 60, 100, "a"), SLOTS[0]);
  assert.equal(ledger.reserve(SLOTS, 60, 100, "a"), SLOTS[0]);
  assert.equal(ledger.reserve(SLOTS.slice(1), 60, 100, "a"), SLOTS[0]);
  assert.equal(ledger.load(SLOTS[0]), 60);
  assert.equal(ledger.load(SLOTS[1]), 0);
});

Deno.test("`SlotLedger.release()` gives the weight back once, and a freed slot can be booked again", () => {
  const ledger = new SlotLedger();
  ledger.reserve(SLOTS, 60, 100, "a");
  ledger.reserve(SLOTS, 30, 100, "b");
  assert.equal(ledger.release("a"), true);
  assert.equal(ledger.load(SLOTS[0]), 30);
  assert.equal(ledger.release("a"), false);
  assert.equal(ledger.load(SLOTS[0]), 30);
  assert.equal(ledger.release("never-booked"), false);
  assert.equal(ledger.reserve(SLOTS, 70, 100, "c"), SLOTS[0]);
  assert.equal(ledger.slotOf("a"), undefined);
  assert.equal(ledger.slotOf("c"), SLOTS[0]);
});

Deno.test("`SlotLedger.reserve()` lets a released order book again as new", () => {
  const ledger = new SlotLedger();
  ledger.reserve(SLOTS, 100, 100, "a");
  ledger.release("a");
  assert.equal(ledger.reserve(SLOTS, 100, 100, "a"), SLOTS[0]);
  assert.equal(ledger.load(SLOTS[0]), 100);
});

Deno.test("`SlotLedger.reserve()` rejects negative or fractional weights and capacities", () => {
  const ledger = new SlotLedger();
  assert.throws(() => ledger.reserve(SLOTS, -5, 100, "a"), RangeError);
  assert.throws(() => ledger.reserve(SLOTS, 1.5, 100, "a"), RangeError);
  assert.throws(() => ledger.reserve(SLOTS, 5, Number.NaN, "a"), RangeError);
  assert.equal(ledger.load(SLOTS[0]), 0);
});

Deno.test("`SlotLedger` never exceeds capacity and its loads equal the sum of live bookings (property)", () => {
  const command = fc.oneof(
    fc.record({
      kind: fc.constant("reserve" as const),
      order: fc.integer({ min: 0, max: 15 }),
      weight: fc.integer({ min: 0, max: 60 }),
      from: fc.integer({ min: 0, max: SLOTS.length - 1 }),
    }),
    fc.record({ kind: fc.constant("release" as const), order: fc.integer({ min: 0, max: 15 }) }),
  );
  fc.assert(
    fc.property(
      fc.array(command, { maxLength: 80 }),
      fc.integer({ min: 1, max: 120 }),
      (commands, capacity) => {
        const ledger = new SlotLedger();
        const live = new Map<string, { slot: string; weight: number }>();
        for (const c of commands) {
          const orderId = `o${c.order}`;
          if (c.kind === "release") {
            assert.equal(ledger.release(orderId), live.delete(orderId));
            continue;
          }
          const candidates = SLOTS.slice(c.from);
          const before = candidates.map((s) => ledger.load(s));
          const slot = ledger.reserve(candidates, c.weight, capacity, orderId);
          const held = live.get(orderId);
          if (held) {
            assert.equal(slot, held.slot);
          } else if (slot === undefined) {
            assert.ok(before.every((load) => load + c.weight > capacity));
          } else {
            const index = candidates.indexOf(slot);
            assert.ok(before.slice(0, index).every((load) => load + c.weight > capacity));
            live.set(orderId, { slot, weight: c.weight });
          }
          for (const s of SLOTS) {
            const expected = [...live.values()].filter((b) => b.slot === s)
              .reduce((sum, b) => sum + b.weight, 0);
            assert.equal(ledger.load(s), expected);
            assert.ok(ledger.load(s) <= capacity);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
