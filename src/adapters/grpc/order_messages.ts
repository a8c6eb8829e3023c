/** Converts between the gRPC messages and the domain's order shapes. */
import type {
  OrderResponse,
  OrderView,
  PizzaOrderRequest,
} from "../../gen/ovenline/v1/order_service.ts";
import type { Order, OrderRequest } from "../../domain/order.ts";
import { pizzaItemToProto } from "../protobuf/order_event_codec.ts";
import { statusToProto } from "../protobuf/order_status_codec.ts";

export function orderRequestOf(m: PizzaOrderRequest): OrderRequest {
  return {
    customerId: m.customerId,
    customerFirstName: m.customerFirstName,
    customerLastName: m.customerLastName,
    customerPhone: m.customerPhone,
    deliveryAddress: m.deliveryAddress,
    isPickup: m.isPickup,
    pizzaName: m.pizzaName,
    quantity: m.quantity,
    extras: m.extras,
    items: m.items.map((i) => ({ pizzaName: i.pizzaName, quantity: i.quantity, extras: i.extras })),
    kitchenId: m.kitchenId,
    requestedTime: m.requestedTime,
    idempotencyKey: m.idempotencyKey,
  };
}

/** RFC 3339 in UTC without fractional seconds, as the seed's answers show ("2026-02-06T16:00:00Z"). */
export function rfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function orderResponseOf(order: Order): OrderResponse {
  return {
    orderId: order.id,
    displayId: order.displayId,
    slotStartTime: rfc3339(order.slotStart),
    estimatedTime: rfc3339(order.slotStart),
    totalPriceKopecks: String(order.totalPriceKopecks),
    visibleAt: rfc3339(order.visibleAt),
    slotEndTime: rfc3339(order.slotEnd),
    kitchenId: order.kitchenId,
    status: statusToProto(order.status),
  };
}

export function orderViewOf(order: Order): OrderView {
  return {
    orderId: order.id,
    displayId: order.displayId,
    kitchenId: order.kitchenId,
    status: statusToProto(order.status),
    items: order.items.map(pizzaItemToProto),
    totalPriceKopecks: String(order.totalPriceKopecks),
    createdAt: new Date(order.createdAt),
    slotStart: new Date(order.slotStart),
    slotEnd: new Date(order.slotEnd),
    visibleAt: new Date(order.visibleAt),
    isPickup: order.isPickup,
  };
}
