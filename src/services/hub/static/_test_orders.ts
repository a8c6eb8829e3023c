/** Orders and envelopes for the page logic tests, shaped like the hub sends them. */
import type { Order } from "../../../domain/order.ts";

let seq = 0;

/** An order of "Пицца Классическая" ×2 at the pizza station, visible at `visibleAt`. */
export function order(overrides: Partial<Order> & { id?: string } = {}): Order {
  seq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
    displayId: String(seq).padStart(3, "0"),
    kitchenId: "main",
    customer: { id: "12345", firstName: "Иван", lastName: "Иванов", phone: "+79001234567" },
    deliveryAddress: "ул. Ленина, д. 1",
    isPickup: false,
    items: [pizzaItem("Пицца Классическая", 2)],
    totalPriceKopecks: 192400,
    itemsCount: 2,
    status: "pending",
    createdAt: "2026-11-26T09:00:00.000Z",
    slotStart: "2026-11-26T09:30:00.000Z",
    slotEnd: "2026-11-26T09:45:00.000Z",
    businessDate: "2026-11-26",
    targetSlotId: "slot:main:1795685400",
    visibleAt: "2026-11-26T09:00:00.000Z",
    slotWeight: 192400,
    capacityUnit: "value",
    version: 1,
    updatedAt: "2026-11-26T09:00:00.000Z",
    ...overrides,
  };
}

export function pizzaItem(
  pizzaName: string,
  quantity: number,
  station = "pizza",
): Order["items"][number] {
  return {
    pizzaName,
    quantity,
    unitPriceKopecks: 96200,
    lineTotalKopecks: 96200 * quantity,
    extras: [],
    ingredients: [{ name: "Моцарелла", grams: 150 }],
    station,
  };
}

export function envelope(
  type: string,
  fields: Record<string, unknown>,
  at = "2026-11-26T09:05:00.000Z",
) {
  seq += 1;
  return { type, eventId: `1795685100000-${seq}`, at, kitchenId: "main", ...fields };
}
