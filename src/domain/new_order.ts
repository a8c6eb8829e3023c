/** Assembles an accepted order from the validated request, its prices and its booking. */
import { formatDisplayId } from "./display_id.ts";
import type { KitchenConfig } from "./kitchen.ts";
import type { Order, OrderItem } from "./order.ts";
import { visibleAt } from "./slot_plan.ts";
import type { ValidOrderRequest } from "./validation.ts";

export interface Booking {
  readonly slotId: string;
  readonly start: Date;
  readonly end: Date;
  readonly displaySeq: number;
  /** Kitchen-local business day of the slot, YYYY-MM-DD. */
  readonly businessDate: string;
  /** When intake accepted the order; fixed across retries. */
  readonly createdAt: Date;
}

export interface PricedOrder {
  readonly items: readonly OrderItem[];
  readonly totalPriceKopecks: number;
  readonly itemsCount: number;
}

export function newOrder(
  orderId: string,
  request: ValidOrderRequest,
  kitchen: KitchenConfig,
  priced: PricedOrder,
  weight: number,
  booking: Booking,
): Order {
  const createdAt = booking.createdAt.toISOString();
  return {
    id: orderId,
    displayId: formatDisplayId(booking.displaySeq),
    kitchenId: kitchen.id,
    customer: {
      id: request.customerId,
      firstName: request.customerFirstName,
      lastName: request.customerLastName,
      phone: request.customerPhone,
    },
    deliveryAddress: request.deliveryAddress,
    isPickup: request.isPickup,
    items: priced.items,
    totalPriceKopecks: priced.totalPriceKopecks,
    itemsCount: priced.itemsCount,
    status: "pending",
    createdAt,
    slotStart: booking.start.toISOString(),
    slotEnd: booking.end.toISOString(),
    businessDate: booking.businessDate,
    targetSlotId: booking.slotId,
    visibleAt: visibleAt(booking.start, kitchen.leadMinutes, booking.createdAt).toISOString(),
    requestedTime: request.requestedTime?.toISOString(),
    slotWeight: weight,
    capacityUnit: kitchen.capacityUnit,
    version: 1,
    updatedAt: createdAt,
  };
}
