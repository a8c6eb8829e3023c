/**
 * A bad CreateOrder request is refused with INVALID_ARGUMENT naming every bad
 * field (google.rpc.BadRequest), and an out-of-stock item with
 * FAILED_PRECONDITION naming it; neither writes or reserves anything.
 */
import assert from "node:assert/strict";
import type { PizzaOrderRequest } from "../src/gen/ovenline/v1/order_service.ts";
import { Code, expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { footprint, waitForOrder } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

interface Case {
  readonly name: string;
  readonly request: Partial<PizzaOrderRequest>;
  /** The field the BadRequest must name (exactly). */
  readonly field: string;
}

const HOUR = 3_600_000;
const long = (n: number, c = "а") => c.repeat(n);
const line = (pizzaName: string, quantity = 1, extras: string[] = []) => ({
  pizzaName,
  quantity,
  extras,
});

function cases(kitchenId: string): Case[] {
  return [
    { name: "empty first name", request: { customerFirstName: "" }, field: "customer_first_name" },
    {
      name: "blank first name",
      request: { customerFirstName: "   " },
      field: "customer_first_name",
    },
    {
      name: "65-character first name",
      request: { customerFirstName: long(65) },
      field: "customer_first_name",
    },
    {
      name: "line break in first name",
      request: { customerFirstName: "Ив\nан" },
      field: "customer_first_name",
    },
    {
      name: "NUL in first name",
      request: { customerFirstName: "Иван\u0000" },
      field: "customer_first_name",
    },
    {
      name: "65-character last name",
      request: { customerLastName: long(65, "я") },
      field: "customer_last_name",
    },
    {
      name: "tab in last name",
      request: { customerLastName: "Ива\tнов" },
      field: "customer_last_name",
    },
    { name: "empty phone", request: { customerPhone: "" }, field: "customer_phone" },
    { name: "too short phone", request: { customerPhone: "12345" }, field: "customer_phone" },
    {
      name: "letters in phone",
      request: { customerPhone: "+7900abc4567" },
      field: "customer_phone",
    },
    {
      name: "phone starting +0",
      request: { customerPhone: "+0123456789" },
      field: "customer_phone",
    },
    {
      name: "16-digit phone",
      request: { customerPhone: "+7900123456789012" },
      field: "customer_phone",
    },
    {
      name: "control char in phone",
      request: { customerPhone: "+7900\u00071234567" },
      field: "customer_phone",
    },
    { name: "quantity 0", request: { quantity: 0 }, field: "quantity" },
    { name: "quantity -1", request: { quantity: -1 }, field: "quantity" },
    { name: "quantity 51", request: { quantity: 51 }, field: "quantity" },
    { name: "huge quantity", request: { quantity: 2_147_483_647 }, field: "quantity" },
    { name: "unknown pizza", request: { pizzaName: "Пицца Несуществующая" }, field: "pizza_name" },
    {
      name: "unknown extra",
      request: { extras: ["Двойной сыр", "Ананасный дождь"] },
      field: "extras[1]",
    },
    {
      name: "11 extras on one pizza",
      request: { extras: Array(11).fill("Бекон") },
      field: "extras",
    },
    {
      name: "no address for delivery",
      request: { deliveryAddress: "", isPickup: false },
      field: "delivery_address",
    },
    { name: "too short address", request: { deliveryAddress: "ул" }, field: "delivery_address" },
    {
      name: "301-character address",
      request: { deliveryAddress: long(301) },
      field: "delivery_address",
    },
    {
      name: "line break in address",
      request: { deliveryAddress: "ул. Ленина,\nд. 1" },
      field: "delivery_address",
    },
    { name: "bad kitchen id format", request: { kitchenId: "Bad_Kitchen!" }, field: "kitchen_id" },
    { name: "unknown kitchen", request: { kitchenId: "no-such-kitchen" }, field: "kitchen_id" },
    // (customer_id 0 means "not given": the signed-in customer's, test/customer_api_security_test.ts.)
    { name: "negative customer_id", request: { customerId: "-5" }, field: "customer_id" },
    {
      name: "space in idempotency key",
      request: { idempotencyKey: "has space" },
      field: "idempotency_key",
    },
    {
      name: "non-ASCII idempotency key",
      request: { idempotencyKey: "ключ-1" },
      field: "idempotency_key",
    },
    {
      name: "129-character idempotency key",
      request: { idempotencyKey: "k".repeat(129) },
      field: "idempotency_key",
    },
    {
      name: "requested time an hour ago",
      request: { requestedTime: new Date(Date.now() - HOUR) },
      field: "requested_time",
    },
    {
      name: "requested time 30 days ahead",
      request: { requestedTime: new Date(Date.now() + 30 * 24 * HOUR) },
      field: "requested_time",
    },
    {
      name: "no pizza at all",
      request: { pizzaName: "", quantity: 0, items: [] },
      field: "pizza_name",
    },
    {
      name: "quantity without a pizza name",
      request: { pizzaName: "", quantity: 2 },
      field: "pizza_name",
    },
    {
      name: "21 lines",
      request: { items: Array.from({ length: 20 }, () => line("Маргарита")) },
      field: "items",
    },
    {
      name: "more than 100 pizzas in all",
      request: { quantity: 50, items: [line("Маргарита", 50), line("Пепперони", 1)] },
      field: "items",
    },
    {
      name: "quantity 0 in items[1]",
      request: { items: [line("Маргарита"), line("Пепперони", 0)] },
      field: "items[1].quantity",
    },
    {
      name: "unknown pizza in items[0]",
      request: { items: [line("Пицца с ананасами и селёдкой")] },
      field: "items[0].pizza_name",
    },
    {
      name: "unknown extra in items[0]",
      request: { items: [line("Маргарита", 1, ["Бекон", "Золото"])] },
      field: "items[0].extras[1]",
    },
  ].map((c) => ({ ...c, request: { kitchenId, ...c.request } }));
}

Deno.test("`CreateOrder` refuses invalid requests and writes nothing", async (t) => {
  const kitchen = testKitchen();
  const other = testKitchen();
  const stack = await TestStack.start("invalid_requests", { kitchens: [kitchen, other] });
  try {
    // One valid order first, so that "nothing written" is measured against a live system.
    const ok = await stack.api.createOrder(seedExampleRequest({ kitchenId: other.id }));
    await waitForOrder(stack, ok.orderId);
    const before = await footprint(stack, kitchen.id);
    const table = cases(kitchen.id);
    assert(table.length >= 25);

    for (const c of table) {
      await t.step(
        `\`CreateOrder\` answers INVALID_ARGUMENT naming ${c.field}: ${c.name}`,
        async () => {
          const error = await expectGrpcError(stack.api.createOrder(seedExampleRequest(c.request)));
          assert.equal(error.code, Code.INVALID_ARGUMENT, error.message);
          assert.deepEqual(
            error.fieldViolations.map((v) => v.field),
            [c.field],
            `violations: ${JSON.stringify(error.fieldViolations)}`,
          );
          assert(error.fieldViolations[0].description.length > 0, "the violation says why");
        },
      );
    }

    await t.step("`CreateOrder` reports every bad field of one request at once", async () => {
      const error = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
        kitchenId: kitchen.id,
        customerId: "-1",
        customerFirstName: "",
        customerLastName: long(65),
        customerPhone: "not a phone",
        deliveryAddress: "",
        pizzaName: "Нет такой",
        quantity: 0,
        extras: ["Нет такого"],
        items: [line("Маргарита", 51)],
        idempotencyKey: "bad key",
        requestedTime: new Date(Date.now() - 2 * HOUR),
      })));
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.deepEqual(error.fieldViolations.map((v) => v.field).sort(), [
        "customer_first_name",
        "customer_id",
        "customer_last_name",
        "customer_phone",
        "delivery_address",
        "extras[0]",
        "idempotency_key",
        "items[0].quantity",
        "pizza_name",
        "quantity",
        "requested_time",
      ]);
    });

    await t.step(
      "`CreateOrder` answers INVALID_ARGUMENT naming kitchen_id alongside other fields",
      async () => {
        const error = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
          kitchenId: "no-such-kitchen",
          customerPhone: "",
        })));
        assert.equal(error.code, Code.INVALID_ARGUMENT);
        assert.deepEqual(error.fieldViolations.map((v) => v.field).sort(), [
          "customer_phone",
          "kitchen_id",
        ]);
      },
    );

    await t.step("invalid requests wrote nothing: no rows, no records, no bookings", async () => {
      // A later valid order in another kitchen: once it is recorded, anything produced before is too.
      const barrier = await stack.api.createOrder(seedExampleRequest({ kitchenId: other.id }));
      await waitForOrder(stack, barrier.orderId);
      const after = await footprint(stack, kitchen.id);
      assert.equal(
        after.kafkaRecords,
        before.kafkaRecords + 1,
        "only the barrier order was produced",
      );
      assert.equal(after.pgOrders, 0);
      assert.equal(after.pgOrderIds, before.pgOrderIds + 1);
      assert.equal(after.pgHistory, before.pgHistory + 1);
      assert.deepEqual(after.slotKeys, []);
      assert.deepEqual(after.displayKeys, {});
      assert.equal(after.reservationKeys, before.reservationKeys + 1);
    });

    await t.step(
      "`CreateOrder` answers FAILED_PRECONDITION naming an out-of-stock pizza and extra, and writes nothing",
      async () => {
        const before = await footprint(stack, kitchen.id);
        await stack.pool.query("UPDATE pizzas SET available = false WHERE name = 'Маргарита'");
        await stack.pool.query("UPDATE extras SET available = false WHERE name = 'Бекон'");
        try {
          // intake reloads the menu every CONFIG_REFRESH_MS (200 ms in tests).
          await new Promise((r) => setTimeout(r, 1000));
          const pizza = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
            kitchenId: kitchen.id,
            pizzaName: "Маргарита",
            quantity: 1,
          })));
          assert.equal(pizza.code, Code.FAILED_PRECONDITION);
          assert.deepEqual(pizza.preconditionSubjects, ["Маргарита"]);
          assert.equal(pizza.errorInfo?.reason, "OUT_OF_STOCK");
          assert.match(pizza.message, /Маргарита/);

          const both = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
            kitchenId: kitchen.id,
            extras: ["Двойной сыр", "Бекон"],
            items: [line("Маргарита", 1, ["Бекон"])],
          })));
          assert.equal(both.code, Code.FAILED_PRECONDITION);
          assert.deepEqual(both.preconditionSubjects, ["Бекон", "Маргарита"]);

          // Validation still comes first: a bad field is INVALID_ARGUMENT even with a stop-listed item.
          const invalid = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
            kitchenId: kitchen.id,
            pizzaName: "Маргарита",
            customerPhone: "",
          })));
          assert.equal(invalid.code, Code.INVALID_ARGUMENT);

          assert.equal(await stack.kafkaRecordCount(), before.kafkaRecords);
          assert.deepEqual(await stack.redisKeys(`slot:${kitchen.id}:*`), []);
          assert.deepEqual(await stack.redisKeys(`display:${kitchen.id}:*`), []);
          assert.equal((await stack.redisKeys("order:slot:*")).length, before.reservationKeys);
          assert.equal(await stack.orderCount(kitchen.id), 0);
        } finally {
          await stack.pool.query("UPDATE pizzas SET available = true WHERE name = 'Маргарита'");
          await stack.pool.query("UPDATE extras SET available = true WHERE name = 'Бекон'");
        }
        // Back on the menu: the same pizza is accepted again.
        await new Promise((r) => setTimeout(r, 1000));
        const res = await stack.api.createOrder(seedExampleRequest({
          kitchenId: kitchen.id,
          pizzaName: "Маргарита",
          quantity: 1,
          extras: ["Бекон"],
        }));
        assert.equal(res.totalPriceKopecks, String(64900 + 9900));
      },
    );
  } finally {
    await stack.close();
  }
});
