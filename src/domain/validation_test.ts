import assert from "node:assert/strict";
import type { FieldViolation } from "./errors.ts";
import type { OrderRequest, RequestedItem } from "./order.ts";
import {
  BACON,
  CLASSIC,
  JALAPENO,
  MARGHERITA,
  MOZZARELLA,
  PEPPERONI,
  TEST_MENU,
} from "./_test_menu.ts";
import {
  findOutOfStock,
  validateOrderRequest,
  type ValidationContext,
  type ValidOrderRequest,
} from "./validation.ts";

const NOW = new Date("2026-11-26T12:00:00Z");
const DAY_MS = 86_400_000;

const CTX: ValidationContext = {
  menu: TEST_MENU,
  knownKitchens: new Set(["main", "north-2"]),
  defaultKitchenId: "main",
  now: NOW,
  maxRequestAheadMs: 2 * DAY_MS,
};

/** The seed document's example request, as the gRPC adapter decodes it. */
function seedRequest(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    customerId: "12345",
    pizzaName: "Пицца Классическая",
    quantity: 2,
    customerFirstName: "Иван",
    customerLastName: "Иванов",
    customerPhone: "+79001234567",
    deliveryAddress: "ул. Ленина, д. 1",
    isPickup: false,
    extras: [],
    items: [],
    kitchenId: "",
    idempotencyKey: "",
    ...overrides,
  };
}

function item(pizzaName: string, quantity = 1, extras: string[] = []): RequestedItem {
  return { pizzaName, quantity, extras };
}

function accept(req: OrderRequest, ctx: ValidationContext = CTX): ValidOrderRequest {
  const result = validateOrderRequest(req, ctx);
  if (!result.ok) assert.fail(`expected valid, got ${JSON.stringify(result.violations)}`);
  return result.value;
}

function reject(req: OrderRequest, ctx: ValidationContext = CTX): FieldViolation[] {
  const result = validateOrderRequest(req, ctx);
  if (result.ok) assert.fail("expected violations, got a valid request");
  return result.violations;
}

/** The reason given for `field`, asserting there is exactly one violation in total. */
function onlyReason(req: OrderRequest, field: string): string {
  const violations = reject(req);
  assert.deepEqual(violations.map((v) => v.field), [field]);
  return violations[0].reason;
}

Deno.test("`validateOrderRequest()` accepts the seed's example request unchanged", () => {
  const valid = accept(seedRequest());
  assert.deepEqual(valid, {
    customerId: "12345",
    customerFirstName: "Иван",
    customerLastName: "Иванов",
    customerPhone: "+79001234567",
    deliveryAddress: "ул. Ленина, д. 1",
    isPickup: false,
    lines: [{ pizza: CLASSIC, quantity: 2, extras: [] }],
    kitchenId: "main",
    idempotencyKey: "",
  });
  assert.equal("requestedTime" in valid, false);
});

Deno.test("`validateOrderRequest()` normalises names, phone, address, customer id and the menu lookup", () => {
  const valid = accept(seedRequest({
    customerId: "000123",
    pizzaName: "  Пицца \u00a0 Классическая ",
    customerFirstName: "  Иван ",
    customerLastName: " ",
    customerPhone: "8 (900) 123-45-67",
    deliveryAddress: "  ул. Ленина, д. 1  ",
    extras: ["  Моцарелла"],
  }));
  assert.equal(valid.customerId, "123");
  assert.equal(valid.customerFirstName, "Иван");
  assert.equal(valid.customerLastName, "");
  assert.equal(valid.customerPhone, "+79001234567");
  assert.equal(valid.deliveryAddress, "ул. Ленина, д. 1");
  assert.equal(valid.lines[0].pizza, CLASSIC);
  assert.deepEqual(valid.lines[0].extras, [MOZZARELLA]);
});

Deno.test("`validateOrderRequest()` finds a menu name typed in decomposed Unicode (NFD)", () => {
  const valid = accept(seedRequest({ pizzaName: "Пицца Классическая".normalize("NFD") }));
  assert.equal(valid.lines[0].pizza, CLASSIC);
});

Deno.test("`validateOrderRequest()` reports every bad field at once, not only the first", () => {
  const violations = reject({
    customerId: "0",
    pizzaName: "Пицца X",
    quantity: 0,
    extras: ["Ананас"],
    items: [item("", 51), item("Маргарита", 1, ["Бекон", "Трюфель"])],
    customerFirstName: "",
    customerLastName: "x".repeat(65),
    customerPhone: "12345",
    deliveryAddress: "",
    isPickup: false,
    kitchenId: "Main",
    requestedTime: new Date(NOW.getTime() - 3_600_000),
    idempotencyKey: "has space",
  });
  assert.deepEqual(violations.map((v) => v.field).sort(), [
    "customer_first_name",
    "customer_id",
    "customer_last_name",
    "customer_phone",
    "delivery_address",
    "extras[0]",
    "idempotency_key",
    "items[0].pizza_name",
    "items[0].quantity",
    "items[1].extras[1]",
    "kitchen_id",
    "pizza_name",
    "quantity",
    "requested_time",
  ]);
  for (const v of violations) assert.ok(v.reason.length > 10, `${v.field}: ${v.reason}`);
});

Deno.test("`validateOrderRequest()` gives specific reasons for the example bad fields", () => {
  const reasons = Object.fromEntries(
    reject(seedRequest({
      pizzaName: "Пицца X",
      customerFirstName: "",
      customerLastName: "я".repeat(65),
      customerPhone: "12345",
      items: [item("Маргарита", 0)],
    })).map((v) => [v.field, v.reason]),
  );
  assert.deepEqual(reasons, {
    pizza_name: 'unknown pizza "Пицца X"',
    customer_first_name: "must not be empty",
    customer_last_name: "must be at most 64 characters (got 65)",
    customer_phone: "must be a phone number in international format, e.g. +79001234567",
    "items[0].quantity": "must be between 1 and 50 (got 0)",
  });
});

Deno.test("`validateOrderRequest()` accepts customer ids from 1 to int64 max", () => {
  assert.equal(accept(seedRequest({ customerId: "1" })).customerId, "1");
  assert.equal(
    accept(seedRequest({ customerId: "9223372036854775807" })).customerId,
    "9223372036854775807",
  );
});

Deno.test("`validateOrderRequest()` rejects customer ids that are empty, zero, negative, non-numeric or too big", () => {
  assert.equal(onlyReason(seedRequest({ customerId: "" }), "customer_id"), "must not be empty");
  assert.equal(
    onlyReason(seedRequest({ customerId: "0" }), "customer_id"),
    "must be between 1 and 9223372036854775807 (got 0)",
  );
  assert.equal(
    onlyReason(seedRequest({ customerId: "9223372036854775808" }), "customer_id"),
    "must be between 1 and 9223372036854775807 (got 9223372036854775808)",
  );
  assert.match(onlyReason(seedRequest({ customerId: "9".repeat(40) }), "customer_id"), /between 1/);
  for (const bad of ["-5", "12a", " 12", "1.0", "１２"]) {
    assert.match(
      onlyReason(seedRequest({ customerId: bad }), "customer_id"),
      /must be a positive whole number/,
      bad,
    );
  }
});

Deno.test("`validateOrderRequest()` takes the seed line first, then items, in order", () => {
  const valid = accept(seedRequest({
    extras: ["Бекон"],
    items: [item("Маргарита", 3), item("Пицца Классическая", 1, ["Моцарелла", "Моцарелла"])],
  }));
  assert.deepEqual(valid.lines, [
    { pizza: CLASSIC, quantity: 2, extras: [BACON] },
    { pizza: MARGHERITA, quantity: 3, extras: [] },
    { pizza: CLASSIC, quantity: 1, extras: [MOZZARELLA, MOZZARELLA] },
  ]);
});

Deno.test("`validateOrderRequest()` accepts items alone when pizza_name is empty and quantity unset", () => {
  const valid = accept(seedRequest({ pizzaName: "", quantity: 0, items: [item("Маргарита", 2)] }));
  assert.deepEqual(valid.lines, [{ pizza: MARGHERITA, quantity: 2, extras: [] }]);
});

Deno.test("`validateOrderRequest()` asks for a pizza when there are no lines at all", () => {
  assert.equal(
    onlyReason(seedRequest({ pizzaName: "", quantity: 0 }), "pizza_name"),
    "an order needs at least one pizza: set pizza_name or items",
  );
  assert.equal(
    onlyReason(seedRequest({ pizzaName: "   ", quantity: 0 }), "pizza_name"),
    "an order needs at least one pizza: set pizza_name or items",
  );
});

Deno.test("`validateOrderRequest()` rejects an empty pizza_name when quantity or extras are set", () => {
  const withQuantity = seedRequest({ pizzaName: "", quantity: 2, items: [item("Маргарита")] });
  assert.match(onlyReason(withQuantity, "pizza_name"), /must not be empty/);
  const withExtras = seedRequest({ pizzaName: "", quantity: 0, extras: ["Бекон"] });
  assert.match(onlyReason(withExtras, "pizza_name"), /must not be empty/);
});

Deno.test("`validateOrderRequest()` allows 20 lines and rejects 21 on items", () => {
  const nineteen = Array.from({ length: 19 }, () => item("Маргарита"));
  assert.equal(accept(seedRequest({ quantity: 1, items: nineteen })).lines.length, 20);
  const reason = onlyReason(
    seedRequest({ quantity: 1, items: [...nineteen, item("Маргарита")] }),
    "items",
  );
  assert.equal(reason, "an order may have at most 20 lines, pizza_name included (got 21)");
});

Deno.test("`validateOrderRequest()` checks quantity bounds and wholeness on every line", () => {
  assert.equal(accept(seedRequest({ quantity: 1 })).lines[0].quantity, 1);
  assert.equal(accept(seedRequest({ quantity: 50 })).lines[0].quantity, 50);
  assert.equal(
    onlyReason(seedRequest({ quantity: 51 }), "quantity"),
    "must be between 1 and 50 (got 51)",
  );
  assert.equal(
    onlyReason(seedRequest({ quantity: -1 }), "quantity"),
    "must be between 1 and 50 (got -1)",
  );
  assert.equal(
    onlyReason(seedRequest({ items: [item("Маргарита", 1.5)] }), "items[0].quantity"),
    "must be a whole number between 1 and 50",
  );
  assert.equal(
    onlyReason(seedRequest({ items: [item("Маргарита", Number.NaN)] }), "items[0].quantity"),
    "must be a whole number between 1 and 50",
  );
});

Deno.test("`validateOrderRequest()` allows 100 pizzas in total and rejects 101 on items", () => {
  const hundred = seedRequest({ quantity: 50, items: [item("Маргарита", 50)] });
  assert.equal(accept(hundred).lines.length, 2);
  const over = seedRequest({ quantity: 50, items: [item("Маргарита", 50), item("Маргарита", 1)] });
  assert.equal(
    onlyReason(over, "items"),
    "an order may have at most 100 pizzas in total (got 101)",
  );
});

Deno.test("`validateOrderRequest()` names unknown pizzas and extras with their full field path", () => {
  const violations = reject(seedRequest({
    items: [item("Маргарита"), item("Гавайская", 1, ["Бекон", "Ананас"])],
  }));
  assert.deepEqual(violations, [
    { field: "items[1].pizza_name", reason: 'unknown pizza "Гавайская"' },
    { field: "items[1].extras[1]", reason: 'unknown extra "Ананас"' },
  ]);
});

Deno.test("`validateOrderRequest()` rejects empty extra names and more than 10 extras per line", () => {
  assert.equal(
    onlyReason(seedRequest({ extras: ["Бекон", " "] }), "extras[1]"),
    "must not be empty",
  );
  const ten = Array.from({ length: 10 }, () => "Бекон");
  assert.equal(accept(seedRequest({ extras: ten })).lines[0].extras.length, 10);
  assert.equal(
    onlyReason(
      seedRequest({ items: [item("Маргарита", 1, [...ten, "Бекон"])] }),
      "items[0].extras",
    ),
    "must have at most 10 extras per pizza (got 11)",
  );
});

Deno.test("`validateOrderRequest()` does not check stock: unavailable items validate", () => {
  const valid = accept(seedRequest({ pizzaName: "Пепперони", extras: ["Халапеньо"] }));
  assert.deepEqual(valid.lines, [{ pizza: PEPPERONI, quantity: 2, extras: [JALAPENO] }]);
});

Deno.test("`validateOrderRequest()` requires a first name of at most 64 characters, counted in code points", () => {
  assert.equal(
    onlyReason(seedRequest({ customerFirstName: "  " }), "customer_first_name"),
    "must not be empty",
  );
  assert.equal(
    accept(seedRequest({ customerFirstName: "Я".repeat(64) })).customerFirstName.length,
    64,
  );
  assert.equal(
    accept(seedRequest({ customerFirstName: "🍕".repeat(64) })).customerFirstName.length,
    128,
  );
  assert.equal(
    onlyReason(seedRequest({ customerFirstName: "🍕".repeat(65) }), "customer_first_name"),
    "must be at most 64 characters (got 65)",
  );
});

Deno.test("`validateOrderRequest()` treats the last name as optional but bounded", () => {
  assert.equal(accept(seedRequest({ customerLastName: "" })).customerLastName, "");
  assert.equal(
    onlyReason(seedRequest({ customerLastName: "x".repeat(65) }), "customer_last_name"),
    "must be at most 64 characters (got 65)",
  );
});

Deno.test("`validateOrderRequest()` rejects control characters and lone surrogates in any text field", () => {
  const cases: [Partial<OrderRequest>, string][] = [
    [{ customerFirstName: "Иван\n" }, "customer_first_name"],
    [{ customerLastName: "Ива\u0000нов" }, "customer_last_name"],
    [{ deliveryAddress: "ул. Ленина,\tд. 1" }, "delivery_address"],
    [{ customerPhone: "+7900\u00851234567" }, "customer_phone"],
    [{ pizzaName: "Пицца\u001bКлассическая" }, "pizza_name"],
    [{ extras: ["Бекон\r"] }, "extras[0]"],
    [{ items: [item("Маргарита", 1, ["\u007f"])] }, "items[0].extras[0]"],
  ];
  for (const [override, field] of cases) {
    assert.match(onlyReason(seedRequest(override), field), /control characters/, field);
  }
  const surrogates: [Partial<OrderRequest>, string][] = [
    [{ customerLastName: "Ива\ud800нов" }, "customer_last_name"],
    [{ deliveryAddress: "ул. Ленина \udc00" }, "delivery_address"],
    [{ items: [item("Маргарита\ud83d")] }, "items[0].pizza_name"],
  ];
  for (const [override, field] of surrogates) {
    assert.match(onlyReason(seedRequest(override), field), /unpaired surrogate/, field);
  }
});

Deno.test("`validateOrderRequest()` requires a phone that normalises to E.164", () => {
  assert.equal(
    onlyReason(seedRequest({ customerPhone: "" }), "customer_phone"),
    "must not be empty",
  );
  assert.equal(
    onlyReason(seedRequest({ customerPhone: "9001234567" }), "customer_phone"),
    "must be a phone number in international format, e.g. +79001234567",
  );
  assert.equal(
    accept(seedRequest({ customerPhone: "+44 20 7946 0958" })).customerPhone,
    "+442079460958",
  );
});

Deno.test("`validateOrderRequest()` requires a 5 to 300 character address for delivery", () => {
  assert.equal(
    onlyReason(seedRequest({ deliveryAddress: " " }), "delivery_address"),
    "must not be empty",
  );
  assert.equal(
    onlyReason(seedRequest({ deliveryAddress: "ул.1" }), "delivery_address"),
    "must be at least 5 characters (got 4)",
  );
  assert.equal(
    onlyReason(seedRequest({ deliveryAddress: "д".repeat(301) }), "delivery_address"),
    "must be at most 300 characters (got 301)",
  );
  assert.equal(
    accept(seedRequest({ deliveryAddress: "д".repeat(300) })).deliveryAddress.length,
    300,
  );
});

Deno.test("`validateOrderRequest()` lets a pickup order omit the address but checks one that is given", () => {
  const pickup = accept(seedRequest({ isPickup: true, deliveryAddress: "" }));
  assert.equal(pickup.isPickup, true);
  assert.equal(pickup.deliveryAddress, "");
  assert.equal(
    accept(seedRequest({ isPickup: true, deliveryAddress: " у входа, д. 5 " })).deliveryAddress,
    "у входа, д. 5",
  );
  assert.match(
    onlyReason(
      seedRequest({ isPickup: true, deliveryAddress: "д".repeat(301) }),
      "delivery_address",
    ),
    /at most 300/,
  );
});

Deno.test("`validateOrderRequest()` sends an order without kitchen_id to the default kitchen", () => {
  assert.equal(accept(seedRequest({ kitchenId: "" })).kitchenId, "main");
  assert.equal(accept(seedRequest({ kitchenId: "north-2" })).kitchenId, "north-2");
});

Deno.test("`validateOrderRequest()` rejects malformed and unknown kitchen ids", () => {
  for (const bad of ["Main", "-main", "main_1", " main", "k".repeat(64), "кухня"]) {
    assert.match(
      onlyReason(seedRequest({ kitchenId: bad }), "kitchen_id"),
      /lowercase letters, digits or dashes/,
      bad,
    );
  }
  assert.equal(
    onlyReason(seedRequest({ kitchenId: "ghost" }), "kitchen_id"),
    'unknown kitchen "ghost"',
  );
});

Deno.test("`validateOrderRequest()` accepts idempotency keys of up to 128 printable ASCII characters", () => {
  assert.equal(accept(seedRequest({ idempotencyKey: "" })).idempotencyKey, "");
  const key = "k".repeat(127) + "~";
  assert.equal(accept(seedRequest({ idempotencyKey: key })).idempotencyKey, key);
  assert.equal(
    accept(seedRequest({ idempotencyKey: "7f3c-2026/11/26#1!" })).idempotencyKey,
    "7f3c-2026/11/26#1!",
  );
});

Deno.test("`validateOrderRequest()` rejects long idempotency keys and ones with spaces or non-ASCII", () => {
  assert.equal(
    onlyReason(seedRequest({ idempotencyKey: "k".repeat(129) }), "idempotency_key"),
    "must be at most 128 characters (got 129)",
  );
  for (const bad of ["has space", "tab\there", "ключ", "key\u007f"]) {
    assert.match(
      onlyReason(seedRequest({ idempotencyKey: bad }), "idempotency_key"),
      /printable ASCII/,
      bad,
    );
  }
});

Deno.test("`validateOrderRequest()` accepts a requested time from 1 minute ago up to the allowed lead", () => {
  const slightlyPast = new Date(NOW.getTime() - 59_000);
  assert.equal(accept(seedRequest({ requestedTime: slightlyPast })).requestedTime, slightlyPast);
  const farthest = new Date(NOW.getTime() + 2 * DAY_MS);
  assert.equal(accept(seedRequest({ requestedTime: farthest })).requestedTime, farthest);
});

Deno.test("`validateOrderRequest()` rejects a requested time in the past, too far ahead or invalid", () => {
  assert.equal(
    onlyReason(seedRequest({ requestedTime: new Date(NOW.getTime() - 61_000) }), "requested_time"),
    "must not be in the past (more than 1 minute before now)",
  );
  assert.equal(
    onlyReason(
      seedRequest({ requestedTime: new Date(NOW.getTime() + 2 * DAY_MS + 1) }),
      "requested_time",
    ),
    "must be at most 2 days from now",
  );
  assert.equal(
    onlyReason(seedRequest({ requestedTime: new Date(Number.NaN) }), "requested_time"),
    "must be a valid point in time",
  );
  const ninetyMinutes = { ...CTX, maxRequestAheadMs: 90 * 60_000 };
  const violations = reject(
    seedRequest({ requestedTime: new Date(NOW.getTime() + DAY_MS) }),
    ninetyMinutes,
  );
  assert.deepEqual(violations, [{
    field: "requested_time",
    reason: "must be at most 90 minutes from now",
  }]);
});

Deno.test("`validateOrderRequest()` caps the violation list for an abusive request", () => {
  const items = Array.from({ length: 500 }, () => item("", 0));
  const violations = reject(seedRequest({ items }));
  assert.equal(violations.length, 100);
  assert.deepEqual(violations.slice(0, 2).map((v) => v.field), ["items", "items[0].quantity"]);
});

Deno.test("`findOutOfStock()` lists unavailable pizzas and extras once each, in order of appearance", () => {
  const valid = accept(seedRequest({
    pizzaName: "Маргарита",
    extras: ["Халапеньо", "Бекон", "Халапеньо"],
    items: [item("Пепперони", 1, ["Халапеньо"]), item("Пепперони"), item("Пицца Классическая")],
  }));
  assert.deepEqual(findOutOfStock(valid), ["Халапеньо", "Пепперони"]);
});

Deno.test("`findOutOfStock()` returns an empty list when everything is available", () => {
  assert.deepEqual(findOutOfStock(accept(seedRequest({ extras: ["Бекон", "Моцарелла"] }))), []);
});
