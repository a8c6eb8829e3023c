/**
 * Order and event ids. An order placed with an idempotency key gets a
 * deterministic id (UUIDv5 of customer and key), so every retry of it —
 * even after Redis lost the booking — names the same order, and the
 * consumer's id table turns a second copy into a no-op.
 */
import { v5 as uuidv5 } from "uuid";

/** Ovenline's own UUID namespace for order ids (a fixed random UUID). */
const ORDER_NAMESPACE = "5f0c7d3e-8a51-4f7b-9c2e-6d1b0a4e93c7";

export function orderIdFor(customerId: string, idempotencyKey: string): string {
  return idempotencyKey === ""
    ? crypto.randomUUID()
    : uuidv5(`${customerId}:${idempotencyKey}`, ORDER_NAMESPACE);
}

export function newEventId(): string {
  return crypto.randomUUID();
}
