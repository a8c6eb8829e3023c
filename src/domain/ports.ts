/**
 * The ports the order path needs from the outside world. Adapters implement
 * them (src/adapters/*); use cases depend only on these shapes.
 */
import type { KitchenConfig } from "./kitchen.ts";
import type { Menu } from "./menu.ts";
import type { Order } from "./order.ts";
import type { OrderEvent, OrderPlaced } from "./order_event.ts";

export interface Clock {
  now(): Date;
}

export interface CandidateSlot {
  readonly id: string; // slot:{kitchen}:{epochSeconds}
  readonly start: Date;
  readonly end: Date;
  /** Business day of the slot (display ids count per kitchen per day). */
  readonly businessDate: string; // YYYY-MM-DD
}

export interface ReservationRequest {
  readonly orderId: string;
  readonly kitchenId: string;
  readonly candidates: readonly CandidateSlot[];
  readonly weight: number;
  readonly capacity: number;
  readonly createdAt: Date;
}

/** "aborted": Kafka did not acknowledge the event; the capacity was given back, the event kept. */
export type ReservationState = "reserved" | "produced" | "applied" | "released" | "aborted";

export interface Reservation {
  readonly slotId: string;
  readonly start: Date;
  readonly end: Date;
  readonly displaySeq: number;
  readonly businessDate: string; // YYYY-MM-DD
  readonly createdAt: Date;
  readonly state: ReservationState;
  /** The order event stored with the reservation once built, so retries re-send the same event. */
  readonly event?: OrderPlaced;
}

export type ReservationOutcome =
  | { readonly kind: "reserved"; readonly reservation: Reservation }
  | { readonly kind: "existing"; readonly reservation: Reservation }
  | { readonly kind: "full" };

/** Capacity bookings (Redis). Intake's only state: it reserves, nothing else. */
export interface SlotReservations {
  /** Books the first candidate with room, atomically; throws DependencyUnavailableError. */
  reserve(request: ReservationRequest): Promise<ReservationOutcome>;
  /** Stores the event beside the reservation so retries re-send the same event. */
  attachEvent(event: OrderPlaced): Promise<void>;
  /** Marks the reservation as durable in Kafka. */
  markProduced(orderId: string): Promise<void>;
  /** Undoes a reservation whose order never became durable. */
  abort(orderId: string): Promise<void>;
}

export interface KitchenDirectory {
  get(id: string): KitchenConfig | undefined;
  ids(): ReadonlySet<string>;
  readonly defaultKitchenId: string;
}

export interface MenuSource {
  current(): Menu;
}

/** The order's live snapshot (Redis), falling back to the record (PostgreSQL). */
export interface OrderReader {
  get(orderId: string): Promise<Order | undefined>;
}

/** Per-customer order limits, shared by every intake replica. */
export interface CustomerRateLimit {
  take(
    customerId: string,
    phone: string,
  ): Promise<{ allowed: boolean; subject?: string; retryAfterMs: number }>;
}

/** The durable order log (Kafka): resolves once the event is acknowledged by all in-sync replicas. */
export interface OrderEventLog {
  append(event: OrderEvent): Promise<void>;
}
