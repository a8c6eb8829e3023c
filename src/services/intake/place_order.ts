/**
 * CreateOrder: validate → price → book a slot → make the order durable in
 * Kafka → answer. Nothing is written before validation passes, and a booking
 * whose event Kafka refused is given back before the caller hears UNAVAILABLE.
 */
import {
  CustomerMismatchError,
  IdempotencyKeyReusedError,
  KitchenClosedError,
  OpenOrdersLimitError,
  OrderTooLargeError,
  OutOfStockError,
  PendingWriteError,
  RateLimitedError,
  SlotsFullError,
  UncertainWriteError,
  ValidationError,
} from "../../domain/errors.ts";
import type { Caller } from "../../domain/caller.ts";
import { canonicalOrderRequest } from "../../domain/order_fingerprint.ts";
import { type Booking, newOrder } from "../../domain/new_order.ts";
import type { Order, OrderRequest } from "../../domain/order.ts";
import { ORDER_EVENT_SCHEMA_VERSION, type OrderPlaced } from "../../domain/order_event.ts";
import type {
  CandidateSlot,
  Clock,
  KitchenDirectory,
  MenuSource,
  OrderEventLog,
  OrderReader,
  RateLimit,
  Reservation,
  SlotReservations,
} from "../../domain/ports.ts";
import { priceLines, slotWeight } from "../../domain/pricing.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { planSlots, type Slot, type SlotSearch } from "../../domain/slot_plan.ts";
import { findOutOfStock, validateOrderRequest } from "../../domain/validation.ts";

export interface PlaceOrderDeps {
  readonly clock: Clock;
  readonly menu: MenuSource;
  readonly kitchens: KitchenDirectory;
  readonly reservations: SlotReservations;
  readonly log: OrderEventLog;
  readonly orders: OrderReader;
  /** Orders each customer id, and each phone, may place per window. */
  readonly rateLimit: RateLimit;
  readonly orderIdFor: (customerId: string, idempotencyKey: string) => string;
  /** A short hash of a canonical request (a booking remembers it to tell retries from reuse). */
  readonly fingerprint?: (canonical: string) => string;
  /** New bookings per peer per window; omitted: no per-peer limit. */
  readonly peerRateLimit?: RateLimit;
  /** What one customer may hold; omitted: no caps beyond the rate limit. */
  readonly customerLimits?: {
    /** Open (booked, not yet cooked) orders at most; 0 = no cap. */
    readonly maxOpenOrders: number;
    /** Percent of a slot's capacity one customer's open orders may take, and so one order. */
    readonly slotSharePercent: number;
  };
  readonly newEventId: () => string;
  /** How far ahead a pre-order may ask (bounded again by each kitchen's horizon). */
  readonly maxRequestAheadMs: number;
  /** The kitchen's candidate slots (planSlots, possibly remembered between orders). */
  readonly planSlots?: (kitchen: KitchenConfig, now: Date, requestedTime?: Date) => SlotSearch;
}

/**
 * A plan's slots as booking candidates, converted once per plan: a remembered plan serves every
 * order until its first slot starts, and a horizon of days is hundreds of slots, each with a date
 * to format (per order, this was intake's largest own cost and much of its garbage).
 */
const candidatesBySlots = new WeakMap<readonly Slot[], readonly CandidateSlot[]>();

function candidatesOf(slots: readonly Slot[]): readonly CandidateSlot[] {
  let c = candidatesBySlots.get(slots);
  if (!c) {
    c = slots.map((s) => ({ ...s, businessDate: s.businessDate.toString() }));
    candidatesBySlots.set(slots, c);
  }
  return c;
}

/**
 * `caller` is who the transport proved the caller to be: its customer id wins over the request's
 * (which may repeat it, or leave it unset), and its peer has a booking limit of its own.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: OrderRequest,
  caller: Caller = {},
): Promise<Order> {
  const now = deps.clock.now();
  if (
    caller.customerId !== undefined && (request.customerId === "0" || request.customerId === "")
  ) {
    request = { ...request, customerId: caller.customerId };
  }
  const validation = validateOrderRequest(request, {
    menu: deps.menu.current(),
    knownKitchens: deps.kitchens.ids(),
    defaultKitchenId: deps.kitchens.defaultKitchenId,
    now,
    maxRequestAheadMs: deps.maxRequestAheadMs,
  });
  if (!validation.ok) throw new ValidationError(validation.violations);
  const valid = validation.value;
  if (caller.customerId !== undefined && valid.customerId !== caller.customerId) {
    throw new CustomerMismatchError("customer_id", valid.customerId);
  }

  const orderId = deps.orderIdFor(valid.customerId, valid.idempotencyKey);
  const outOfStock = findOutOfStock(valid);
  const kitchen = deps.kitchens.get(valid.kitchenId)!; // validation checked it exists
  const plan = (deps.planSlots ?? planSlots)(kitchen, now, valid.requestedTime);
  const priced = priceLines(valid.lines);
  const weight = slotWeight(kitchen.capacityUnit, priced.totalPriceKopecks, priced.itemsCount);
  const limits = deps.customerLimits;
  const slotCap = customerSlotCap(kitchen.capacity, limits?.slotSharePercent ?? 100);
  // Past the customer's share (when the share is below the whole slot): too large. An order
  // larger than a whole slot is otherwise "All slots are full", as no slot can take it.
  const tooLarge = weight > slotCap && slotCap < kitchen.capacity;
  const bookable = outOfStock.length === 0 && plan.kind === "slots" && !tooLarge;

  // One Redis call answers a retry with its original order, applies the rate limits and the
  // customer's caps, and books the first slot with room. Out of stock, closed or too large: no
  // candidates, so it only looks for a retry of an order accepted before (which must still get its
  // "yes").
  const outcome = await deps.reservations.reserve({
    orderId,
    kitchenId: kitchen.id,
    candidates: bookable ? candidatesOf(plan.slots) : [],
    weight,
    capacity: kitchen.capacity,
    createdAt: now,
    customerId: valid.customerId,
    customerPhone: valid.customerPhone,
    rateLimit: deps.rateLimit,
    // Only a key can be reused: an order without one has a random id.
    fingerprint: valid.idempotencyKey === ""
      ? undefined
      : deps.fingerprint?.(canonicalOrderRequest(valid)),
    peer: caller.peer !== undefined && deps.peerRateLimit
      ? { key: caller.peer, rateLimit: deps.peerRateLimit }
      : undefined,
    customerCaps: limits && limits.maxOpenOrders > 0
      ? { openOrders: limits.maxOpenOrders, slotLoad: slotCap }
      : undefined,
  });
  if (outcome.kind !== "existing" && outcome.kind !== "reserved") {
    if (outcome.kind === "key_reused") throw new IdempotencyKeyReusedError(valid.idempotencyKey);
    if (outOfStock.length > 0) throw new OutOfStockError(outOfStock);
    if (plan.kind === "closed") throw new KitchenClosedError(plan.reason, plan.nextOpening, now);
    if (tooLarge) {
      throw new OrderTooLargeError(kitchen.id, weight, slotCap, UNIT_NAMES[kitchen.capacityUnit]);
    }
    if (outcome.kind === "rate_limited") {
      throw new RateLimitedError(outcome.retryAfterMs, outcome.subject);
    }
    if (outcome.kind === "open_orders_limit") {
      throw new OpenOrdersLimitError(outcome.limit, outcome.retryAfterMs);
    }
    throw valid.requestedTime && plan.kind === "slots"
      ? new SlotsFullError({ from: plan.slots[0].start, until: plan.horizonEnd })
      : new SlotsFullError();
  }

  const reservation = outcome.reservation;
  if (
    outcome.kind === "existing" &&
    (reservation.state === "applied" || reservation.state === "released")
  ) {
    // The consumer has recorded it: answer with the order as it is now (it may be cooking).
    const current = await deps.orders.get(orderId);
    if (current) return current;
  }
  const event = reservation.event ?? placedEvent(
    deps,
    newOrder(orderId, valid, kitchen, priced, weight, bookingOf(reservation)),
    valid.idempotencyKey,
    reservation.displaySeq,
  );
  if (
    outcome.kind === "existing" && reservation.state !== "reserved" && reservation.state !== "held"
  ) {
    return event.order; // durable already; a retry must not send it twice
  }
  try {
    await deps.log.append(event);
  } catch (error) {
    // Kept beside the booking: a retry re-sends exactly this event if Kafka took it after all.
    await deps.reservations.attachEvent(event).catch(() => {});
    // Capacity goes back only when the order certainly was not written: releasing it for an order
    // Kafka records after all would sell it twice. Uncertain: held until a retry, the consumer or
    // its sweep settles it. Still pending: decided when kafkajs gives its verdict.
    if (error instanceof PendingWriteError) {
      void error.verdict.then((verdict) =>
        verdict === "written"
          ? deps.reservations.confirm(event)
          : deps.reservations.sendFailed(orderId, verdict, deps.clock.now())
      ).catch(() => {});
      throw error;
    }
    const verdict = error instanceof UncertainWriteError ? "uncertain" : "not_written";
    await deps.reservations.sendFailed(orderId, verdict, now).catch(() => {
      // Redis is gone too: the booking is released by the start-up restore, which rebuilds
      // loads from the orders that exist.
    });
    throw error;
  }
  // Durable already. The answer waits for this one Redis call so that the order can be found
  // (GetOrder, CancelOrder, a status change) the moment the customer hears "yes", before the
  // consumer has applied it; if Redis fails here, the consumer completes the booking anyway.
  await deps.reservations.confirm(event).catch(() => {});
  return event.order;
}

const UNIT_NAMES = {
  value: "kopecks of order value",
  items: "pizzas",
  orders: "orders",
} as const;

/** The most of one slot a customer may hold: its share of the capacity, never less than one unit. */
export function customerSlotCap(capacity: number, sharePercent: number): number {
  return Math.max(1, Math.ceil((capacity * sharePercent) / 100));
}

function bookingOf(r: Reservation): Booking {
  return {
    slotId: r.slotId,
    start: r.start,
    end: r.end,
    displaySeq: r.displaySeq,
    businessDate: r.businessDate,
    createdAt: r.createdAt,
  };
}

function placedEvent(
  deps: PlaceOrderDeps,
  order: Order,
  idempotencyKey: string,
  displaySeq: number,
): OrderPlaced {
  return {
    kind: "placed",
    schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
    eventId: deps.newEventId(),
    orderId: order.id,
    occurredAt: new Date(order.createdAt),
    order,
    idempotencyKey,
    displaySeq,
  };
}
