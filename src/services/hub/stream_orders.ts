/**
 * Stream entries carry orders without personal data (withoutPersonalData);
 * before the hub sends them, it joins each order's customer from the order's
 * snapshot (one MGET per batch), and fills in the order of an `order.visible`
 * the promoter announced by id only. Each client then gets its role's view.
 */
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import type { Order } from "../../domain/order.ts";

export async function joinOrders(
  entries: readonly StreamEntry[],
  snapshots: (ids: readonly string[]) => Promise<(string | null)[]>,
): Promise<StreamEntry[]> {
  const ids = [
    ...new Set(
      entries.filter((e) => e.orderId && e.type.startsWith("order.")).map((e) => e.orderId!),
    ),
  ];
  if (ids.length === 0) return [...entries];
  const found = await snapshots(ids);
  const byId = new Map(ids.map((id, i) => [id, found[i]]));
  return entries.map((entry) => {
    const json = entry.orderId ? byId.get(entry.orderId) : undefined;
    if (!json) return entry;
    if (!entry.order) return { ...entry, order: json };
    const current = JSON.parse(json) as Order;
    const order = JSON.parse(entry.order);
    order.customer = current.customer;
    order.deliveryAddress = current.deliveryAddress;
    return { ...entry, order: JSON.stringify(order) };
  });
}
