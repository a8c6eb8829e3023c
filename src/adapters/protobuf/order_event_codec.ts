/**
 * Encodes domain order events as protobuf for the pizza-orders topic and
 * decodes them back. Decoding is strict: an event that does not carry what
 * the consumer needs is an error (it goes to the dead-letter topic).
 */
import { OrderEvent as ProtoOrderEvent, type PizzaOrder } from "../../gen/ovenline/v1/events.ts";
import type { PizzaItem } from "../../gen/ovenline/v1/order.ts";
import type { CapacityUnit } from "../../domain/kitchen.ts";
import type { Order, OrderItem } from "../../domain/order.ts";
import {
  ORDER_EVENT_SCHEMA_VERSION,
  type OrderEvent,
  type OrderPlaced,
} from "../../domain/order_event.ts";
import { statusFromProto, statusToProto } from "./order_status_codec.ts";

export class UndecodableEventError extends Error {
  constructor(reason: string, cause?: unknown) {
    super(reason, { cause });
    this.name = "UndecodableEventError";
  }
}

/** The oldest schema version this build still reads (rolling upgrades run N and N-1 side by side). */
const OLDEST_READABLE_VERSION = Math.max(1, ORDER_EVENT_SCHEMA_VERSION - 1);

/**
 * Each event's bytes, kept while the event lives: intake encodes a new order's event for Kafka and
 * again for the Redis call that confirms it. Events are immutable values; callers never write into
 * the bytes they get.
 */
const encoded = new WeakMap<OrderEvent, Uint8Array>();

export function encodeOrderEvent(event: OrderEvent): Uint8Array {
  let bytes = encoded.get(event);
  if (!bytes) {
    bytes = encodeOnce(event);
    encoded.set(event, bytes);
  }
  return bytes;
}

function encodeOnce(event: OrderEvent): Uint8Array {
  const base = {
    schemaVersion: event.schemaVersion,
    eventId: event.eventId,
    orderId: event.orderId,
    occurredAt: event.occurredAt,
  };
  if (event.kind === "placed") {
    return ProtoOrderEvent.encode({
      ...base,
      body: { $case: "placed", value: { order: pizzaOrderOf(event) } },
    }).finish();
  }
  return ProtoOrderEvent.encode({
    ...base,
    body: {
      $case: "statusChange",
      value: {
        fromStatus: statusToProto(event.from),
        toStatus: statusToProto(event.to),
        actor: event.actor,
        reason: event.reason,
      },
    },
  }).finish();
}

export function decodeOrderEvent(bytes: Uint8Array): OrderEvent {
  let proto: ProtoOrderEvent;
  try {
    proto = ProtoOrderEvent.decode(bytes);
  } catch (error) {
    throw new UndecodableEventError("payload is not a valid OrderEvent protobuf", error);
  }
  if (
    proto.schemaVersion < OLDEST_READABLE_VERSION ||
    proto.schemaVersion > ORDER_EVENT_SCHEMA_VERSION
  ) {
    throw new UndecodableEventError(`unsupported schema_version ${proto.schemaVersion}`);
  }
  if (!proto.eventId || !proto.orderId || !proto.occurredAt) {
    throw new UndecodableEventError("event_id, order_id and occurred_at are required");
  }
  const base = {
    schemaVersion: proto.schemaVersion,
    eventId: proto.eventId,
    orderId: proto.orderId,
    occurredAt: proto.occurredAt,
  };
  const body = proto.body;
  if (body?.$case === "placed") {
    const order = body.value.order;
    if (!order) throw new UndecodableEventError("placed event without an order");
    if (order.id !== proto.orderId) {
      throw new UndecodableEventError("placed order id differs from the event's order_id");
    }
    return {
      ...base,
      kind: "placed",
      order: orderOf(order),
      idempotencyKey: order.idempotencyKey,
      displaySeq: Number(order.displaySeq),
    };
  }
  if (body?.$case === "statusChange") {
    const from = statusFromProto(body.value.fromStatus);
    const to = statusFromProto(body.value.toStatus);
    if (!from || !to) throw new UndecodableEventError("status change with an unknown status");
    return {
      ...base,
      kind: "status_change",
      from,
      to,
      actor: body.value.actor,
      reason: body.value.reason,
    };
  }
  throw new UndecodableEventError("event has no body this version understands");
}

function pizzaOrderOf(event: OrderPlaced): PizzaOrder {
  const o = event.order;
  return {
    id: o.id,
    displayId: o.displayId,
    totalPriceKopecks: String(o.totalPriceKopecks),
    status: statusToProto(o.status),
    targetSlotId: o.targetSlotId,
    visibleAt: new Date(o.visibleAt),
    items: o.items.map(pizzaItemToProto),
    kitchenId: o.kitchenId,
    customerId: o.customer.id,
    customerFirstName: o.customer.firstName,
    customerLastName: o.customer.lastName,
    customerPhone: o.customer.phone,
    deliveryAddress: o.deliveryAddress,
    isPickup: o.isPickup,
    createdAt: new Date(o.createdAt),
    slotStart: new Date(o.slotStart),
    slotEnd: new Date(o.slotEnd),
    requestedTime: o.requestedTime ? new Date(o.requestedTime) : undefined,
    slotWeight: String(o.slotWeight),
    capacityUnit: o.capacityUnit,
    itemsCount: o.itemsCount,
    idempotencyKey: event.idempotencyKey,
    displaySeq: String(event.displaySeq),
    businessDate: o.businessDate,
  };
}

/** One order line as the shared protobuf PizzaItem (events and the gRPC API). */
export function pizzaItemToProto(item: OrderItem): PizzaItem {
  return {
    pizzaName: item.pizzaName,
    quantity: item.quantity,
    unitPriceKopecks: String(item.unitPriceKopecks),
    lineTotalKopecks: String(item.lineTotalKopecks),
    extras: item.extras.map((e) => ({
      name: e.name,
      priceKopecks: String(e.priceKopecks),
      grams: e.grams,
    })),
    ingredients: item.ingredients.map((i) => ({ name: i.name, grams: i.grams })),
    station: item.station,
  };
}

const CAPACITY_UNITS: readonly string[] = ["value", "items", "orders"];

function orderOf(p: PizzaOrder): Order {
  const status = statusFromProto(p.status);
  if (!status) throw new UndecodableEventError("placed order has no status");
  if (!p.createdAt || !p.slotStart || !p.slotEnd || !p.visibleAt) {
    throw new UndecodableEventError("placed order lacks created_at, slot or visible_at");
  }
  if (!CAPACITY_UNITS.includes(p.capacityUnit)) {
    throw new UndecodableEventError(`unknown capacity_unit "${p.capacityUnit}"`);
  }
  if (p.items.length === 0) throw new UndecodableEventError("placed order has no items");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.businessDate)) {
    throw new UndecodableEventError("placed order lacks a business_date");
  }
  const createdAt = p.createdAt.toISOString();
  return {
    id: p.id,
    displayId: p.displayId,
    kitchenId: p.kitchenId,
    customer: {
      id: p.customerId,
      firstName: p.customerFirstName,
      lastName: p.customerLastName,
      phone: p.customerPhone,
    },
    deliveryAddress: p.deliveryAddress,
    isPickup: p.isPickup,
    items: p.items.map((i) => ({
      pizzaName: i.pizzaName,
      quantity: i.quantity,
      unitPriceKopecks: Number(i.unitPriceKopecks),
      lineTotalKopecks: Number(i.lineTotalKopecks),
      extras: i.extras.map((e) => ({
        name: e.name,
        priceKopecks: Number(e.priceKopecks),
        grams: e.grams,
      })),
      ingredients: i.ingredients.map((g) => ({ name: g.name, grams: g.grams })),
      station: i.station,
    })),
    totalPriceKopecks: Number(p.totalPriceKopecks),
    itemsCount: p.itemsCount,
    status,
    createdAt,
    slotStart: p.slotStart.toISOString(),
    slotEnd: p.slotEnd.toISOString(),
    businessDate: p.businessDate,
    targetSlotId: p.targetSlotId,
    visibleAt: p.visibleAt.toISOString(),
    requestedTime: p.requestedTime?.toISOString(),
    slotWeight: Number(p.slotWeight),
    capacityUnit: p.capacityUnit as CapacityUnit,
    version: 1,
    updatedAt: createdAt,
  };
}
