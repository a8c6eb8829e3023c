/**
 * CreateOrder end to end on real Kafka, Redis and PostgreSQL: what the caller
 * hears, what the record holds, and what the live state in Redis shows.
 */
import assert from "node:assert/strict";
import { loadKitchens } from "../src/adapters/postgres/kitchen_repository.ts";
import { OrderStatus } from "../src/gen/ovenline/v1/order.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import {
  firstSlotStartAtOrAfter,
  historyRows,
  localDate,
  recordedOrder,
  SLOT_MS,
  streamEvents,
  waitForOrder,
  waitForOrders,
} from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

const MIN = 60_000;

const classicIngredients = [
  { name: "Томатный соус", grams: 80 },
  { name: "Моцарелла", grams: 150 },
  { name: "Ветчина", grams: 90 },
  { name: "Шампиньоны", grams: 70 },
  { name: "Пепперони", grams: 50 },
  { name: "Орегано", grams: 2 },
];

Deno.test("`CreateOrder` records, prices and projects orders", async (t) => {
  // The default kitchen (DEFAULT_KITCHEN_ID) is the stack's first: open around the clock, so the
  // default-kitchen case runs at any hour (the seed's "main" is open 10:00–23:00 Moscow time).
  const defaultKitchen = testKitchen();
  const multi = testKitchen({ leadMinutes: 30 });
  const lead5 = testKitchen({ leadMinutes: 5 });
  const preorder = testKitchen({ leadMinutes: 30 });
  const stack = await TestStack.start("create_order", {
    kitchens: [defaultKitchen, multi, lead5, preorder],
  });
  try {
    assert(
      (await loadKitchens(stack.pool)).some((k) => k.id === "main"),
      "migration 005 seeds the kitchen 'main'",
    );

    await t.step(
      "`CreateOrder` answers, and records exactly the priced multi-item order with extras",
      async () => {
        const before = Date.now();
        const res = await stack.api.createOrder({
          customerId: "777",
          customerFirstName: "  Анна  ",
          customerLastName: "Петрова",
          customerPhone: "8 (900) 765-43-21",
          deliveryAddress: "ул. Пушкина, д. 10, кв. 5",
          isPickup: false,
          pizzaName: "Пепперони",
          quantity: 1,
          extras: ["Двойной сыр", "Халапеньо"],
          items: [
            { pizzaName: "Маргарита", quantity: 2, extras: ["Бекон", "Бекон"] },
            { pizzaName: "Пицца Классическая", quantity: 1, extras: ["Моцарелла"] },
          ],
          kitchenId: multi.id,
          idempotencyKey: "multi-1",
        });
        const after = Date.now();

        // The answer.
        assert.match(res.orderId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(res.displayId, "001");
        assert.equal(res.kitchenId, multi.id);
        assert.equal(res.totalPriceKopecks, "370200");
        assert.equal(res.status, OrderStatus.ORDER_STATUS_PENDING);
        assert.equal(res.estimatedTime, res.slotStartTime);

        const row = await waitForOrder(stack, res.orderId);
        const createdAt = row.created_at.getTime();
        assert(
          createdAt >= before - 1000 && createdAt <= after + 1000,
          "created_at is the acceptance time",
        );

        // Exactly the priced items, in kopecks, with extras and ingredient doses.
        assert.deepEqual(row.items, [
          {
            pizzaName: "Пепперони",
            quantity: 1,
            unitPriceKopecks: 79900 + 9900 + 5900,
            lineTotalKopecks: 95700,
            extras: [
              { name: "Двойной сыр", priceKopecks: 9900, grams: 50 },
              { name: "Халапеньо", priceKopecks: 5900, grams: 20 },
            ],
            ingredients: [
              { name: "Томатный соус", grams: 80 },
              { name: "Моцарелла", grams: 160 },
              { name: "Пепперони", grams: 90 },
              { name: "Орегано", grams: 2 },
              { name: "Двойной сыр", grams: 50 },
              { name: "Халапеньо", grams: 20 },
            ],
            station: "pizza",
          },
          {
            pizzaName: "Маргарита",
            quantity: 2,
            unitPriceKopecks: 64900 + 2 * 9900,
            lineTotalKopecks: 2 * 84700,
            extras: [
              { name: "Бекон", priceKopecks: 9900, grams: 40 },
              { name: "Бекон", priceKopecks: 9900, grams: 40 },
            ],
            ingredients: [
              { name: "Томатный соус", grams: 80 },
              { name: "Моцарелла", grams: 180 },
              { name: "Томаты", grams: 100 },
              { name: "Базилик", grams: 5 },
              { name: "Оливковое масло", grams: 10 },
              { name: "Бекон", grams: 80 },
            ],
            station: "pizza",
          },
          {
            pizzaName: "Пицца Классическая",
            quantity: 1,
            unitPriceKopecks: 96200 + 8900,
            lineTotalKopecks: 105100,
            extras: [{ name: "Моцарелла", priceKopecks: 8900, grams: 50 }],
            ingredients: classicIngredients.map((i) =>
              i.name === "Моцарелла" ? { ...i, grams: 200 } : i
            ),
            station: "pizza",
          },
        ]);
        assert.equal(row.total_price_kopecks, "370200");
        assert.equal(row.items_count, 4);
        assert.equal(row.slot_weight, "370200", "capacity unit 'value' books the order's value");
        assert.equal(row.capacity_unit, "value");

        // Customer columns, normalised.
        assert.equal(row.customer_id, "777");
        assert.equal(row.customer_first_name, "Анна");
        assert.equal(row.customer_last_name, "Петрова");
        assert.equal(row.customer_phone, "+79007654321");
        assert.equal(row.delivery_address, "ул. Пушкина, д. 10, кв. 5");
        assert.equal(row.is_pickup, false);
        assert.equal(row.idempotency_key, "multi-1");
        assert.equal(row.kitchen_id, multi.id);
        assert.equal(row.status, "pending");
        assert.equal(row.version, 1);
        assert.equal(row.display_id, "001");
        assert.equal(row.display_seq, 1);

        // The first slot from now in a 24-hour kitchen, and when the KDS may show it.
        const slotStart = firstSlotStartAtOrAfter(createdAt);
        assert.equal(row.slot_start.getTime(), slotStart);
        assert.equal(row.slot_end.getTime(), slotStart + SLOT_MS);
        assert.equal(row.target_slot_id, `slot:${multi.id}:${slotStart / 1000}`);
        assert.equal(
          row.visible_at.getTime(),
          Math.max(slotStart - 30 * MIN, createdAt),
          "visible_at = slot start − lead, never before created_at",
        );
        assert.equal(row.requested_time, null);
        assert.equal(row.business_date_text, localDate(slotStart, multi.timeZone));
        assert.equal(res.slotStartTime, new Date(slotStart).toISOString().replace(".000Z", "Z"));
        assert.equal(
          res.slotEndTime,
          new Date(slotStart + SLOT_MS).toISOString().replace(".000Z", "Z"),
        );

        // The Redis snapshot is the record, as JSON.
        const snapshot = JSON.parse((await stack.redis.get(`erp:order:${res.orderId}`))!);
        assert.equal(snapshot.totalPriceKopecks, 370200);
        assert.equal(snapshot.customer.phone, "+79007654321");
        assert.deepEqual(snapshot, await recordedOrder(stack, res.orderId));
        const ttl = await stack.redis.ttl(`erp:order:${res.orderId}`);
        assert(ttl > 23 * 3600, `snapshot TTL ${ttl}s is at least about a day`);

        // Live state: due now (visible), its slot load, its booking.
        assert.equal(
          Number(await stack.redis.zscore("erp:orders:active", res.orderId)),
          slotStart,
        );
        assert.equal(await stack.redis.zscore("erp:orders:pending_slots", res.orderId), null);
        assert.equal(await stack.redis.get(row.target_slot_id), "370200");
        assert.deepEqual(await stack.redis.hgetall(`${row.target_slot_id}:orders`), {
          [res.orderId]: "370200",
        });
        assert.equal(await stack.redis.hget(`order:slot:${res.orderId}`, "state"), "applied");

        // One history row: created as pending.
        const history = await historyRows(stack, res.orderId);
        assert.equal(history.length, 1);
        assert.equal(history[0].from_status, null);
        assert.equal(history[0].to_status, "pending");

        // One order.created on the event stream, carrying the order JSON without the customer's
        // personal data (docs/security.md: stream entries carry no PII).
        const created = (await streamEvents(stack)).filter((e) =>
          e.order?.id === res.orderId && e.type === "order.created"
        );
        assert.equal(created.length, 1);
        const { customer: _customer, deliveryAddress: _address, ...withoutPersonal } = snapshot!;
        assert.deepEqual(created[0].order, withoutPersonal);
      },
    );

    await t.step(
      "`CreateOrder` sets visible_at to slot start − lead when that is later than now",
      async () => {
        const res = await stack.api.createOrder(
          seedExampleRequest({ kitchenId: lead5.id, isPickup: true, deliveryAddress: "" }),
        );
        const row = await waitForOrder(stack, res.orderId);
        const createdAt = row.created_at.getTime();
        const slotStart = firstSlotStartAtOrAfter(createdAt);
        assert.equal(row.slot_start.getTime(), slotStart);
        assert.equal(row.visible_at.getTime(), Math.max(slotStart - 5 * MIN, createdAt));
        assert(row.visible_at.getTime() >= createdAt);
        assert.equal(row.is_pickup, true);
        assert.equal(row.delivery_address, "");
        const snapshot = JSON.parse((await stack.redis.get(`erp:order:${res.orderId}`))!);
        assert.deepEqual(snapshot, await recordedOrder(stack, res.orderId));
      },
    );

    await t.step(
      "`CreateOrder` books a pre-order for now + 3 h into the first slot at or after it",
      async () => {
        const requested = new Date(Date.now() + 3 * 60 * MIN + 7 * MIN + 13_000);
        const res = await stack.api.createOrder(
          seedExampleRequest({ kitchenId: preorder.id, requestedTime: requested }),
        );
        const slotStart = firstSlotStartAtOrAfter(requested);
        assert.equal(res.slotStartTime, new Date(slotStart).toISOString().replace(".000Z", "Z"));
        const row = await waitForOrder(stack, res.orderId);
        assert.equal(row.slot_start.getTime(), slotStart);
        assert(row.slot_start.getTime() >= requested.getTime());
        assert(row.slot_start.getTime() - requested.getTime() < SLOT_MS);
        assert.equal(row.requested_time.getTime(), requested.getTime());
        assert.equal(row.visible_at.getTime(), slotStart - 30 * MIN);
        assert.equal(row.target_slot_id, `slot:${preorder.id}:${slotStart / 1000}`);
        // Scheduled, not yet on the KDS.
        assert.equal(
          Number(await stack.redis.zscore("erp:orders:pending_slots", res.orderId)),
          slotStart - 30 * MIN,
        );
        assert.equal(await stack.redis.zscore("erp:orders:active", res.orderId), null);
        assert.equal(await stack.redis.get(row.target_slot_id), "192400");
        const ttl = await stack.redis.ttl(row.target_slot_id);
        assert(
          ttl * 1000 > slotStart + SLOT_MS - Date.now(),
          `the slot load key outlives the slot (ttl ${ttl}s)`,
        );
        const events = (await streamEvents(stack)).filter((e) => e.order?.id === res.orderId);
        assert.deepEqual(events.map((e) => e.type), ["order.created"], "not made visible early");
      },
    );

    await t.step(
      "`CreateOrder` takes the seed's example request as written, into the default kitchen",
      async () => {
        const res = await stack.api.createOrder(seedExampleRequest());
        assert.equal(res.totalPriceKopecks, "192400");
        assert.equal(res.kitchenId, defaultKitchen.id);
        const row = await waitForOrder(stack, res.orderId);
        assert.equal(row.kitchen_id, defaultKitchen.id);
        assert.equal(row.customer_id, "12345");
        assert.equal(row.customer_first_name, "Иван");
        assert.equal(row.customer_last_name, "Иванов");
        assert.equal(row.customer_phone, "+79001234567");
        assert.equal(row.delivery_address, "ул. Ленина, д. 1");
        assert.equal(row.is_pickup, false);
        assert.equal(row.idempotency_key, null);
        assert.deepEqual(row.items, [{
          pizzaName: "Пицца Классическая",
          quantity: 2,
          unitPriceKopecks: 96200,
          lineTotalKopecks: 192400,
          extras: [],
          ingredients: classicIngredients,
          station: "pizza",
        }]);
        assert.equal(row.total_price_kopecks, "192400");
        assert(row.slot_start.getTime() >= row.created_at.getTime() - 0);
        assert(row.slot_start.getTime() - row.created_at.getTime() < SLOT_MS);
        const snapshot = JSON.parse((await stack.redis.get(`erp:order:${res.orderId}`))!);
        assert.deepEqual(snapshot, await recordedOrder(stack, res.orderId));
        assert.equal((await historyRows(stack, res.orderId)).length, 1);
      },
    );

    await t.step(
      "`CreateOrder` numbers orders per kitchen and business day: display ids 001, 002, …",
      async () => {
        const a = await stack.api.createOrder(seedExampleRequest({ kitchenId: lead5.id }));
        const b = await stack.api.createOrder(seedExampleRequest({ kitchenId: lead5.id }));
        assert.notEqual(a.orderId, b.orderId);
        await waitForOrders(stack, [a.orderId, b.orderId]);
        // lead5 already has one order (the visible_at case above). The count starts again on each
        // business day (the day of the slot), which may turn between the orders, e.g. at 23:45.
        const { rows } = await stack.pool.query<{ id: string; display_id: string; day: string }>(
          `SELECT id, display_id, business_date::text AS day FROM orders WHERE kitchen_id = $1
           ORDER BY created_at`,
          [lead5.id],
        );
        assert.equal(rows.length, 3);
        const expected = rows.map((row, i) => {
          const earlierSameDay = rows.slice(0, i).filter((r) => r.day === row.day).length;
          return String(earlierSameDay + 1).padStart(3, "0");
        });
        assert.deepEqual(rows.map((r) => r.display_id), expected);
        if (new Set(rows.map((r) => r.day)).size === 1) {
          assert.deepEqual(expected, ["001", "002", "003"]);
        }
        const answered = new Map([[a.orderId, a.displayId], [b.orderId, b.displayId]]);
        for (const row of rows.filter((r) => answered.has(r.id))) {
          assert.equal(answered.get(row.id), row.display_id, "the answer names the recorded id");
        }
      },
    );
  } finally {
    await stack.close();
  }
});
