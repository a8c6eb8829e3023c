/**
 * CreateOrder: validate → price → book a slot → make the order durable in
 * Kafka → answer. Nothing is written before validation passes, and a booking
 * whose event Kafka refused is given back before the caller hears UNAVAILABLE.
 */
import {
  KitchenClosedError,
  OutOfStockError,
  RateLimitedError,
  SlotsFullError,
  ValidationError,
} from "../../domain/errors.ts";
import { type Booking, newOrder } from "../../domain/new_order.ts";
import type { Order, OrderRequest } from "../../domain/order.ts";
import { ORDER_EVENT_SCHEMA_VERSION, type OrderPlaced } from "../../domain/order_event.ts";
import type {
  Clock,
  CustomerRateLimit,
  KitchenDirectory,
  MenuSource,
  OrderEventLog,
  OrderReader,
  Reservation,
  SlotReservations,
} from "../../domain/ports.ts";
import { priceLines, slotWeight } from "../../domain/pricing.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { planSlots, type SlotSearch } from "../../domain/slot_plan.ts";
import { findOutOfStock, validateOrderRequest } from "../../domain/validation.ts";

export interface PlaceOrderDeps {
  readonly clock: Clock;
  readonly menu: MenuSource;
  readonly kitchens: KitchenDirectory;
  readonly reservations: SlotReservations;
  readonly log: OrderEventLog;
  readonly orders: OrderReader;
  readonly rateLimit: CustomerRateLimit;
  readonly orderIdFor: (customerId: string, idempotencyKey: string) => string;
  readonly newEventId: () => string;
  /** How far ahead a pre-order may ask (bounded again by each kitchen's horizon). */
  readonly maxRequestAheadMs: number;
  /** The kitchen's candidate slots (planSlots, possibly remembered between orders). */
  readonly planSlots?: (kitchen: KitchenConfig, now: Date, requestedTime?: Date) => SlotSearch;
}

export async function placeOrder(deps: PlaceOrderDeps, request: OrderRequest): Promise<Order> {
  const now = deps.clock.now();
  const validation = validateOrderRequest(request, {
    menu: deps.menu.current(),
    knownKitchens: deps.kitchens.ids(),
    defaultKitchenId: deps.kitchens.defaultKitchenId,
    now,
    maxRequestAheadMs: deps.maxRequestAheadMs,
  });
  if (!validation.ok) throw new ValidationError(validation.violations);
  const valid = validation.value;

  const orderId = deps.orderIdFor(valid.customerId, valid.idempotencyKey);
  if (valid.idempotencyKey !== "") {
    // A retry of an order the consumer has already applied: answer with it as it is now.
    const known = await deps.orders.get(orderId);
    if (known) return known;
  }

  const verdict = await deps.rateLimit.take(valid.customerId, valid.customerPhone);
  if (!verdict.allowed) {
    throw new RateLimitedError(verdict.retryAfterMs, verdict.subject ?? "customer");
  }

  const outOfStock = findOutOfStock(valid);
  if (outOfStock.length > 0) throw new OutOfStockError(outOfStock);

  const kitchen = deps.kitchens.get(valid.kitchenId)!; // validation checked it exists
  const plan = (deps.planSlots ?? planSlots)(kitchen, now, valid.requestedTime);
  if (plan.kind === "closed") throw new KitchenClosedError(plan.reason, plan.nextOpening);

  const priced = priceLines(valid.lines);
  const weight = slotWeight(kitchen.capacityUnit, priced.totalPriceKopecks, priced.itemsCount);
  const outcome = await deps.reservations.reserve({
    orderId,
    kitchenId: kitchen.id,
    candidates: plan.slots.map((s) => ({ ...s, businessDate: s.businessDate.toString() })),
    weight,
    capacity: kitchen.capacity,
    createdAt: now,
  });
  if (outcome.kind === "full") throw new SlotsFullError();

  const reservation = outcome.reservation;
  const event = reservation.event ?? placedEvent(
    deps,
    newOrder(orderId, valid, kitchen, priced, weight, bookingOf(reservation)),
    valid.idempotencyKey,
    reservation.displaySeq,
  );
  if (outcome.kind === "existing" && reservation.state !== "reserved") {
    return event.order; // durable already; a retry must not send it twice
  }
  if (outcome.kind === "reserved") await deps.reservations.attachEvent(event);

  try {
    await deps.log.append(event);
  } catch (error) {
    await deps.reservations.abort(orderId).catch(() => {
      // Redis is gone too: the booking is released by the start-up restore, which rebuilds
      // loads from the orders that exist.
    });
    throw error;
  }
  await deps.reservations.markProduced(orderId).catch(() => {
    // Durable already; the consumer marks the booking applied when it sees the order.
  });
  return event.order;
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
