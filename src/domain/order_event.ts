/** What travels on the pizza-orders topic, in domain terms (the protobuf shape lives in src/gen). */
import type { Order } from "./order.ts";
import type { OrderStatus } from "./status.ts";

/** Bumped on incompatible meaning changes; a consumer reads this version and the one before it. */
export const ORDER_EVENT_SCHEMA_VERSION = 1;

interface EventBase {
  readonly schemaVersion: number;
  readonly eventId: string;
  readonly orderId: string;
  readonly occurredAt: Date;
}

/** Intake accepted the order (the seed's PizzaOrder). */
export interface OrderPlaced extends EventBase {
  readonly kind: "placed";
  readonly order: Order;
  readonly idempotencyKey: string;
  readonly displaySeq: number;
}

/** A validated request to move the order; applied only if it is still in `from`. */
export interface StatusChangeRequested extends EventBase {
  readonly kind: "status_change";
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  readonly actor: string;
  readonly reason: string;
}

export type OrderEvent = OrderPlaced | StatusChangeRequested;
