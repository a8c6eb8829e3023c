/** Which events one WebSocket client is sent. */
import { ERP_TYPES, KDS_TYPES, type LiveEvent } from "./live_event.ts";
import type { Order } from "../../domain/order.ts";
import type { OrderView } from "../../domain/personal_data.ts";

export type Channel = "kds" | "erp";

export interface ClientFilter {
  readonly channel: Channel;
  readonly kitchenId: string;
  /** KDS only; undefined = every station. */
  readonly station?: string;
  /** How much of the customer the client's role sees. */
  readonly view: OrderView;
}

export function wants(filter: ClientFilter, event: LiveEvent): boolean {
  if (event.kitchenId !== filter.kitchenId) return false;
  if (filter.channel === "erp") return ERP_TYPES.has(event.type);
  if (!KDS_TYPES.has(event.type) || !event.visibleOnKds) return false;
  return filter.station === undefined || event.stations.has(filter.station);
}

export function orderForStation(order: Pick<Order, "items">, station: string | undefined): boolean {
  return station === undefined || order.items.some((item) => item.station === station);
}

/** A key under which clients share one snapshot. */
export function filterKey(filter: ClientFilter): string {
  return `${filter.channel}|${filter.kitchenId}|${filter.station ?? "*"}|${filter.view}`;
}
