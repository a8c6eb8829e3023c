/** Maps `orders` rows to the domain Order (the one JSON shape Redis, the hub and the API share). */
import type { CapacityUnit } from "../../domain/kitchen.ts";
import type { Order, OrderItem } from "../../domain/order.ts";
import type { OrderStatus } from "../../domain/status.ts";

export interface OrderRow {
  id: string;
  created_at: Date;
  display_id: string;
  display_seq: number;
  business_date: string;
  kitchen_id: string;
  customer_id: string;
  customer_first_name: string | null;
  customer_last_name: string | null;
  customer_phone: string | null;
  delivery_address: string | null;
  is_pickup: boolean;
  items: OrderItem[];
  total_price_kopecks: string;
  items_count: number;
  status: OrderStatus;
  target_slot_id: string;
  slot_start: Date;
  slot_end: Date;
  visible_at: Date;
  requested_time: Date | null;
  slot_weight: string;
  capacity_unit: CapacityUnit;
  version: number;
  updated_at: Date;
}

/** Columns in the order OrderRow lists them; business_date as text so no time zone shifts it. */
export const ORDER_COLUMNS =
  `id, created_at, display_id, display_seq, business_date::text AS business_date,
  kitchen_id, customer_id::text AS customer_id, customer_first_name, customer_last_name,
  customer_phone, delivery_address, is_pickup, items, total_price_kopecks::text AS total_price_kopecks,
  items_count, status, target_slot_id, slot_start, slot_end, visible_at, requested_time,
  slot_weight::text AS slot_weight, capacity_unit, version, updated_at`;

export function orderOfRow(row: OrderRow): Order {
  return {
    id: row.id,
    displayId: row.display_id,
    kitchenId: row.kitchen_id,
    customer: {
      id: row.customer_id,
      firstName: row.customer_first_name ?? "",
      lastName: row.customer_last_name ?? "",
      phone: row.customer_phone ?? "",
    },
    deliveryAddress: row.delivery_address ?? "",
    isPickup: row.is_pickup,
    items: row.items.map(canonicalItem),
    totalPriceKopecks: Number(row.total_price_kopecks),
    itemsCount: row.items_count,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    slotStart: row.slot_start.toISOString(),
    slotEnd: row.slot_end.toISOString(),
    businessDate: row.business_date,
    targetSlotId: row.target_slot_id,
    visibleAt: row.visible_at.toISOString(),
    requestedTime: row.requested_time?.toISOString(),
    slotWeight: Number(row.slot_weight),
    capacityUnit: row.capacity_unit,
    version: row.version,
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * jsonb stores object keys in its own order; the order JSON everywhere else (events, Redis,
 * WebSockets) lists them as the domain type does. Rebuilding the items keeps the two texts equal.
 */
function canonicalItem(item: OrderItem): OrderItem {
  return {
    pizzaName: item.pizzaName,
    quantity: item.quantity,
    unitPriceKopecks: item.unitPriceKopecks,
    lineTotalKopecks: item.lineTotalKopecks,
    extras: item.extras.map((e) => ({
      name: e.name,
      priceKopecks: e.priceKopecks,
      grams: e.grams,
    })),
    ingredients: item.ingredients.map((i) => ({ name: i.name, grams: i.grams })),
    station: item.station,
  };
}
