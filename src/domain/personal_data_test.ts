import assert from "node:assert/strict";
import { maskName, maskPhone, showOrder, withoutPersonalData } from "./personal_data.ts";
import type { Order } from "./order.ts";

const order = {
  id: "o1",
  displayId: "A-001",
  customer: { id: "42", firstName: "Анна", lastName: "Иванова", phone: "+79001234567" },
  deliveryAddress: "ул. Ленина, 1",
  items: [],
} as unknown as Order;

Deno.test("`showOrder()` gives staff the first name only, managers the masked phone; nobody the customer id", () => {
  assert.deepEqual(showOrder(order, "staff").customer, { firstName: "Анна" });
  assert.equal(showOrder(order, "staff").deliveryAddress, undefined);
  assert.deepEqual(showOrder(order, "manager").customer, {
    firstName: "Анна",
    lastName: "Иванова",
    phone: "+790******67",
  });
  assert.equal(showOrder(order, "manager").deliveryAddress, "ул. Ленина, 1");
  assert(!JSON.stringify(showOrder(order, "manager")).includes("+79001234567"));
});

Deno.test("`withoutPersonalData()` leaves no customer and no address; masks keep no more than a hint", () => {
  const stripped = JSON.stringify(withoutPersonalData(order));
  for (const pii of ["Анна", "Иванова", "+79001234567", "Ленина", '"42"']) {
    assert(!stripped.includes(pii));
  }
  assert.equal(maskName("Анна"), "А***");
  assert.equal(maskPhone("+79001234567"), "+790******67");
});
