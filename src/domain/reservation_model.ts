/**
 * A reference model of slot capacity booking: what the Redis Lua reservation must do, in memory, so
 * property tests can compare the real thing against it. Not used on the order path.
 */

interface Booking {
  readonly slotId: string;
  readonly weight: number;
}

export class SlotLedger {
  readonly #loads = new Map<string, number>();
  readonly #bookings = new Map<string, Booking>();

  /**
   * Books `orderId` into the first candidate whose load plus `weight` stays within `capacity`.
   * An order already booked keeps its slot and is not counted twice. Undefined when all are full.
   */
  reserve(
    candidates: readonly string[],
    weight: number,
    capacity: number,
    orderId: string,
  ): string | undefined {
    const existing = this.#bookings.get(orderId);
    if (existing !== undefined) return existing.slotId;
    requireWhole(weight, "weight");
    requireWhole(capacity, "capacity");
    const slotId = candidates.find((id) => this.load(id) + weight <= capacity);
    if (slotId === undefined) return undefined;
    this.#loads.set(slotId, this.load(slotId) + weight);
    this.#bookings.set(orderId, { slotId, weight });
    return slotId;
  }

  /** Gives the order's weight back to its slot; false when the order holds nothing (already released). */
  release(orderId: string): boolean {
    const booking = this.#bookings.get(orderId);
    if (booking === undefined) return false;
    this.#bookings.delete(orderId);
    const remaining = this.load(booking.slotId) - booking.weight;
    if (remaining === 0) this.#loads.delete(booking.slotId);
    else this.#loads.set(booking.slotId, remaining);
    return true;
  }

  /** Booked load of a slot; 0 for a slot nobody booked. */
  load(slotId: string): number {
    return this.#loads.get(slotId) ?? 0;
  }

  /** The slot `orderId` holds, if any. */
  slotOf(orderId: string): string | undefined {
    return this.#bookings.get(orderId)?.slotId;
  }
}

function requireWhole(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative whole number, got ${value}`);
  }
}
