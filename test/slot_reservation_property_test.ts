/**
 * Property test of the booking that guards every kitchen: the real Lua
 * reservation (lua/reserve_slot.lua, lua/release_slot.lua on a real Redis)
 * against the in-memory reference model (src/domain/reservation_model.ts),
 * over generated kitchens — hours, IANA zones around DST changes, slot
 * lengths, capacities, units — and generated streams of orders; and the per-customer caps (open
 * orders, share of a slot) against theirs (src/domain/customer_share_model.ts), whatever customer
 * ids the orders carry.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  READY_MARKER,
  reservationKey,
  slotLoadKey,
  slotOrdersKey,
} from "../src/adapters/redis/keys.ts";
import { RedisSlotReservations } from "../src/adapters/redis/slot_reservations.ts";
import type { KitchenConfig, Weekday } from "../src/domain/kitchen.ts";
import { SlotLedger } from "../src/domain/reservation_model.ts";
import { CustomerShareLedger } from "../src/domain/customer_share_model.ts";
import { planSlots } from "../src/domain/slot_plan.ts";
import { leaseRedisDb } from "./support/redis_db.ts";

const WEEK: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ZONES = [
  "Europe/Berlin",
  "America/New_York",
  "Australia/Sydney",
  "Europe/Moscow",
  "Asia/Kolkata",
  "UTC",
];
/**
 * Instants near the next DST changes of the zones (and now). They must lie in
 * the future: booked slot keys expire a day after their slot ends, so a slot
 * in the past would vanish as it is booked.
 */
function aroundUpcomingDstChanges(): number[] {
  const now = Temporal.Now.instant();
  const instants = [now.epochMilliseconds + 3_600_000];
  for (const zone of ZONES) {
    const next = now.toZonedDateTimeISO(zone).getTimeZoneTransition("next");
    if (next) {
      instants.push(next.epochMilliseconds - 6 * 3_600_000, next.epochMilliseconds - 30 * 60_000);
    }
  }
  return instants;
}
const AROUND = aroundUpcomingDstChanges();

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

const kitchenArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  openMin: fc.integer({ min: 0, max: 20 * 60 }),
  lengthMin: fc.integer({ min: 60, max: 14 * 60 }),
  slotMinutes: fc.constantFrom(5, 10, 15, 20, 30, 60),
  capacity: fc.integer({ min: 1, max: 12 }),
  unit: fc.constantFrom("value", "items", "orders") as fc.Arbitrary<KitchenConfig["capacityUnit"]>,
}).map(({ zone, openMin, lengthMin, slotMinutes, capacity, unit }): KitchenConfig => ({
  id: "prop",
  displayName: "prop",
  timeZone: zone,
  hours: Object.fromEntries(WEEK.map((d) => [d, [{
    open: hhmm(openMin),
    close: openMin + lengthMin >= 24 * 60
      ? hhmm(openMin + lengthMin - 24 * 60)
      : hhmm(openMin + lengthMin),
  }]])),
  slotMinutes,
  leadMinutes: 30,
  capacity,
  capacityUnit: unit,
  bookingHorizonDays: 0,
  stations: ["pizza"],
  acceptingOrders: true,
}));

type Op = { kind: "reserve"; weight: number } | { kind: "release"; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("reserve" as const),
      weight: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
);

Deno.test("the Lua slot booking behaves like the reference model over generated kitchens and orders", async () => {
  const lease = await leaseRedisDb();
  const redis = lease.client;
  const reservations = new RedisSlotReservations(redis);
  let runs = 0;
  let booked = 0;
  let full = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        kitchenArb,
        fc.constantFrom(...AROUND),
        fc.integer({ min: 0, max: 36 * 3_600_000 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        async (kitchen, base, offset, ops) => {
          runs++;
          await redis.flushdb();
          await redis.set(READY_MARKER, "test");
          const now = new Date(base + offset);
          const plan = planSlots(kitchen, now);
          if (plan.kind === "closed") return; // nothing to book: the closed path has its own tests
          const candidates = plan.slots.slice(0, 8).map((s) => ({
            id: s.id,
            start: s.start,
            end: s.end,
            businessDate: s.businessDate.toString(),
          }));
          const model = new SlotLedger();
          const held: string[] = [];
          for (const op of ops) {
            if (op.kind === "reserve") {
              const orderId = crypto.randomUUID();
              const outcome = await reservations.reserve({
                orderId,
                kitchenId: kitchen.id,
                candidates,
                weight: op.weight,
                capacity: kitchen.capacity,
                createdAt: now,
                customerId: "1",
                customerPhone: "+79001234567",
                rateLimit: { points: 1_000_000, windowSeconds: 60 },
              });
              const expected = model.reserve(
                candidates.map((c) => c.id),
                op.weight,
                kitchen.capacity,
                orderId,
              );
              assert.equal(
                outcome.kind === "reserved" ? outcome.reservation.slotId : undefined,
                expected,
              );
              if (expected) {
                held.push(orderId);
                booked++;
              } else full++;
            } else if (held.length > 0) {
              const [orderId] = held.splice(op.pick % held.length, 1);
              await reservations.sendFailed(orderId, "not_written", new Date());
              model.release(orderId);
            }
          }
          for (const c of candidates) {
            const load = Number(await redis.get(slotLoadKey(c.id)) ?? 0);
            assert.equal(load, model.load(c.id), `load of ${c.id}`);
            assert.ok(load <= kitchen.capacity);
            const weights = Object.values(await redis.hgetall(slotOrdersKey(c.id))).map(Number);
            assert.equal(
              weights.reduce((a, b) => a + b, 0),
              load,
              "every booking is accounted for",
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  } finally {
    await lease.release();
  }
  console.log(`${runs} generated kitchens, ${booked} bookings, ${full} refused as full`);
  assert.ok(booked > 100 && full > 10, "the generators reach both outcomes");
});

type CustomerOp =
  | { kind: "reserve"; customer: number; weight: number }
  | { kind: "release" | "cook"; pick: number };
const customerOpArb: fc.Arbitrary<CustomerOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("reserve" as const),
      customer: fc.integer({ min: 1, max: 3 }),
      weight: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cook" as const), pick: fc.nat() }) },
);

Deno.test("no customer holds more than its open orders and its share of a slot, like the reference model", async () => {
  const lease = await leaseRedisDb();
  const redis = lease.client;
  const reservations = new RedisSlotReservations(redis);
  const outcomes = { reserved: 0, full: 0, open_orders_limit: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }), // open orders
        fc.integer({ min: 1, max: 8 }), // share of a slot
        fc.integer({ min: 2, max: 12 }), // capacity
        fc.array(customerOpArb, { minLength: 1, maxLength: 40 }),
        async (openOrders, slotLoad, capacity, ops) => {
          await redis.flushdb();
          await redis.set(READY_MARKER, "test");
          const now = new Date();
          const slotMs = 15 * 60_000;
          const first = Math.ceil(now.getTime() / slotMs) * slotMs + slotMs;
          const candidates = Array.from({ length: 4 }, (_, i) => ({
            id: `slot:caps:${(first + i * slotMs) / 1000}`,
            start: new Date(first + i * slotMs),
            end: new Date(first + (i + 1) * slotMs),
            businessDate: "2026-01-01",
          }));
          const caps = { openOrders, slotLoad };
          const model = new CustomerShareLedger();
          const placed: { orderId: string; customer: string }[] = [];
          for (const op of ops) {
            if (op.kind === "reserve") {
              const orderId = crypto.randomUUID();
              const customer = String(op.customer);
              const outcome = await reservations.reserve({
                orderId,
                kitchenId: "caps",
                candidates,
                weight: op.weight,
                capacity,
                createdAt: now,
                customerId: customer,
                // Another phone each time: only the customer caps may refuse.
                customerPhone: `+7900${String(placed.length).padStart(7, "0")}`,
                rateLimit: { points: 1_000_000, windowSeconds: 60 },
                customerCaps: caps,
              });
              const expected = model.reserve(
                customer,
                candidates.map((c) => c.id),
                op.weight,
                capacity,
                caps,
                orderId,
              );
              const got = outcome.kind === "reserved"
                ? { kind: "reserved", slotId: outcome.reservation.slotId }
                : { kind: outcome.kind };
              assert.deepEqual(got, expected);
              outcomes[expected.kind]++;
              if (expected.kind === "reserved") placed.push({ orderId, customer });
            } else if (placed.length > 0) {
              const [{ orderId }] = placed.splice(op.pick % placed.length, 1);
              if (op.kind === "release") {
                await reservations.sendFailed(orderId, "not_written", new Date());
                model.release(orderId);
              } else {
                // What apply_order.lua writes on the booking when the kitchen marks it ready.
                await redis.hset(reservationKey(orderId), "status", "ready");
                model.cook(orderId);
              }
            }
            for (const customer of ["1", "2", "3"]) {
              assert.ok(model.openCount(customer) <= openOrders);
              for (const c of candidates) assert.ok(model.heldBy(customer, c.id) <= slotLoad);
            }
          }
          for (const c of candidates) {
            assert.equal(Number(await redis.get(slotLoadKey(c.id)) ?? 0), model.slots.load(c.id));
          }
        },
      ),
      { numRuns: 200 },
    );
  } finally {
    await lease.release();
  }
  console.log(`customer caps: ${JSON.stringify(outcomes)}`);
  assert.ok(
    outcomes.reserved > 100 && outcomes.full > 10 && outcomes.open_orders_limit > 10,
    "the generators reach every outcome",
  );
});
