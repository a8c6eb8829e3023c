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
  readonly customerId: string;
  readonly customerPhone: string;
  /** Checked and counted only when a new booking is made; a retry of a known order is free. */
  readonly rateLimit: RateLimit;
  /**
   * What the order asks for (a hash of the validated request): a booking remembers it, and the
   * same order id with another fingerprint is refused (an idempotency key reused for another
   * order). Omitted: not checked.
   */
  readonly fingerprint?: string;
  /** Where the call came from, with its own limit of new bookings; omitted: no per-peer limit. */
  readonly peer?: { readonly key: string; readonly rateLimit: RateLimit };
  /** Caps on the customer's open orders; omitted: none (and none are tracked). */
  readonly customerCaps?: CustomerCaps;
}

/** What one customer may hold at once, whatever ids or phones it puts in its requests. */
export interface CustomerCaps {
  /** Orders booked and not yet cooked (nor cancelled), at most. */
  readonly openOrders: number;
  /** Load the customer's open orders may hold in one slot, at most (in the kitchen's unit). */
  readonly slotLoad: number;
}

/**
 * "aborted": Kafka refused the event; the capacity was given back, the event kept.
 * "held": Kafka did not acknowledge it but may still write it; the capacity is kept until that
 * is known.
 */
export type ReservationState =
  | "reserved"
  | "produced"
  | "applied"
  | "released"
  | "aborted"
  | "held";

/** How a send of an order's event failed: certainly not written, or possibly written after all. */
export type FailedSend = "not_written" | "uncertain";

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
  | { readonly kind: "full" }
  | {
    readonly kind: "rate_limited";
    readonly subject: "customer" | "phone" | "peer";
    readonly retryAfterMs: number;
  }
  /** The order id is booked with another request (another fingerprint): nothing was written. */
  | { readonly kind: "key_reused" }
  /** The customer holds its most open orders; the first of them ends in `retryAfterMs`. */
  | { readonly kind: "open_orders_limit"; readonly limit: number; readonly retryAfterMs: number };

/** Capacity bookings (Redis). Intake's only state: it reserves, nothing else. */
export interface SlotReservations {
  /**
   * Atomically: finds a retry's earlier booking, or checks the rate limit and books the first
   * candidate with room. No candidates: only the earlier booking is looked for (nothing is written).
   * Throws DependencyUnavailableError.
   */
  reserve(request: ReservationRequest): Promise<ReservationOutcome>;
  /** Stores the event beside the reservation so retries re-send the same event. */
  attachEvent(event: OrderPlaced): Promise<void>;
  /** The order is durable in Kafka: stores its event and marks the booking so, in one call. */
  confirm(event: OrderPlaced): Promise<void>;
  /**
   * One send of the order's event failed. The capacity goes back once no send of it can still be
   * written; while one may (an uncertain failure), the booking is held instead.
   */
  sendFailed(orderId: string, verdict: FailedSend, now: Date): Promise<void>;
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

/** Orders each customer id, and separately each phone, may place per window (all intake replicas). */
export interface RateLimit {
  readonly points: number;
  readonly windowSeconds: number;
}

/** The durable order log (Kafka): resolves once the event is acknowledged by all in-sync replicas. */
export interface OrderEventLog {
  append(event: OrderEvent): Promise<void>;
}
