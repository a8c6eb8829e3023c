/**
 * A reference model of the per-customer caps on bookings (lua/reserve_slot.lua): at most
 * `openOrders` orders booked and not yet cooked, and at most `slotLoad` of any one slot held by one
 * customer's open orders. In memory, for property tests to compare the real thing against; not used
 * on the order path.
 */
import type { CustomerCaps } from "./ports.ts";
import { SlotLedger } from "./reservation_model.ts";

export type CappedOutcome =
  | { readonly kind: "reserved"; readonly slotId: string }
  | { readonly kind: "full" }
  | { readonly kind: "open_orders_limit" };

interface OpenBooking {
  readonly customer: string;
  readonly slotId: string;
  readonly weight: number;
}

export class CustomerShareLedger {
  readonly slots = new SlotLedger();
  readonly #open = new Map<string, OpenBooking>();

  /** Books the first candidate with room in the slot and within the customer's caps. */
  reserve(
    customer: string,
    candidates: readonly string[],
    weight: number,
    capacity: number,
    caps: CustomerCaps,
    orderId: string,
  ): CappedOutcome {
    if (this.openCount(customer) >= caps.openOrders) return { kind: "open_orders_limit" };
    const slotId = candidates.find((id) =>
      this.slots.load(id) + weight <= capacity &&
      this.heldBy(customer, id) + weight <= caps.slotLoad
    );
    if (slotId === undefined) return { kind: "full" };
    this.slots.reserve([slotId], weight, capacity, orderId);
    this.#open.set(orderId, { customer, slotId, weight });
    return { kind: "reserved", slotId };
  }

  /** The booking is given back (capacity and the customer's share). */
  release(orderId: string): void {
    this.slots.release(orderId);
    this.#open.delete(orderId);
  }

  /** The order is cooked (ready): it still fills its slot, but no longer counts as open. */
  cook(orderId: string): void {
    this.#open.delete(orderId);
  }

  openCount(customer: string): number {
    return [...this.#open.values()].filter((b) => b.customer === customer).length;
  }

  heldBy(customer: string, slotId: string): number {
    return [...this.#open.values()]
      .filter((b) => b.customer === customer && b.slotId === slotId)
      .reduce((sum, b) => sum + b.weight, 0);
  }
}
