/**
 * What a CreateOrder request asks for, as one canonical text: two requests that mean the same order
 * (after normalisation) give the same text, any difference gives another. A booking remembers its
 * hash, so that an idempotency key reused for a different order is told apart from a retry.
 */
import type { ValidOrderRequest } from "./validation.ts";

export function canonicalOrderRequest(valid: ValidOrderRequest): string {
  return JSON.stringify([
    valid.customerId,
    valid.customerFirstName,
    valid.customerLastName,
    valid.customerPhone,
    valid.deliveryAddress,
    valid.isPickup,
    valid.kitchenId,
    valid.requestedTime?.toISOString() ?? "",
    valid.lines.map((l) => [l.pizza.code, l.quantity, l.extras.map((e) => e.code)]),
  ]);
}
