/** An order as Ovenline stores and shows it (the JSON in Redis, on the WebSocket, and in PostgreSQL's items column). */
import type { CapacityUnit } from "./kitchen.ts";
import type { Ingredient } from "./menu.ts";
import type { OrderStatus } from "./status.ts";

/** What a customer asks for, after transport decoding and before validation. */
export interface OrderRequest {
  readonly customerId: string; // int64 as decimal text
  readonly customerFirstName: string;
  readonly customerLastName: string;
  readonly customerPhone: string;
  readonly deliveryAddress: string;
  readonly isPickup: boolean;
  /** The seed's single pizza: pizzaName × quantity (+ extras). Empty name = not used. */
  readonly pizzaName: string;
  readonly quantity: number;
  readonly extras: readonly string[];
  /** Further lines beyond the seed's single pizza. */
  readonly items: readonly RequestedItem[];
  /** Empty = the default kitchen. */
  readonly kitchenId: string;
  /** Pre-order: book the first slot at or after this instant. */
  readonly requestedTime?: Date;
  /** Empty = no de-duplication. */
  readonly idempotencyKey: string;
}

export interface RequestedItem {
  readonly pizzaName: string;
  readonly quantity: number;
  readonly extras: readonly string[];
}

export interface PricedExtra {
  readonly name: string;
  readonly priceKopecks: number;
  readonly grams: number;
}

export interface OrderItem {
  readonly pizzaName: string;
  readonly quantity: number;
  readonly unitPriceKopecks: number; // pizza + extras, for one
  readonly lineTotalKopecks: number; // unit × quantity
  readonly extras: readonly PricedExtra[];
  readonly ingredients: readonly Ingredient[];
  readonly station: string;
}

export interface Customer {
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly phone: string; // E.164
}

export interface Order {
  readonly id: string; // UUID
  readonly displayId: string;
  readonly kitchenId: string;
  readonly customer: Customer;
  readonly deliveryAddress: string;
  readonly isPickup: boolean;
  readonly items: readonly OrderItem[];
  readonly totalPriceKopecks: number;
  readonly itemsCount: number;
  readonly status: OrderStatus;
  /** Fixed once by intake at acceptance; part of the PostgreSQL key. ISO-8601 UTC. */
  readonly createdAt: string;
  readonly slotStart: string;
  readonly slotEnd: string;
  /** Kitchen-local business day of the slot (YYYY-MM-DD); display ids count per kitchen per day. */
  readonly businessDate: string;
  /** "slot:{kitchen}:{epochSeconds}" */
  readonly targetSlotId: string;
  readonly visibleAt: string;
  readonly requestedTime?: string;
  /** Load this order books in its slot, in `capacityUnit`. */
  readonly slotWeight: number;
  readonly capacityUnit: CapacityUnit;
  /** Incremented by every applied change; a change carries the version it expects. */
  readonly version: number;
  readonly updatedAt: string;
}
