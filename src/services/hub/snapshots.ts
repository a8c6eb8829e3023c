/** Builds the `snapshot` message a client starts from (or restarts from after a gap). */
import type { EventStream } from "../../adapters/redis/event_stream.ts";
import type { LiveOrders } from "../../adapters/redis/live_orders.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { showOrder } from "../../domain/personal_data.ts";
import { type ClientFilter, orderForStation } from "./client_filter.ts";
import { daySlots } from "./slot_view.ts";

export interface SnapshotDeps {
  readonly stream: EventStream;
  readonly orders: LiveOrders;
  readonly kitchen: (id: string) => KitchenConfig | undefined;
  readonly now: () => Date;
}

export interface Snapshot {
  /** The stream position the snapshot reflects; live events after it follow. */
  readonly eventId: string;
  readonly text: string;
}

export async function buildSnapshot(deps: SnapshotDeps, filter: ClientFilter): Promise<Snapshot> {
  // Read the position first: anything after it is sent as events, and applying
  // an event the snapshot already shows is harmless (orders carry their version).
  const eventId = (await deps.stream.lastId()) ?? "0-0";
  const active = (await deps.orders.active(filter.kitchenId))
    .filter((o) => orderForStation(o, filter.station))
    .map((o) => showOrder(o, filter.view));
  const message: Record<string, unknown> = {
    type: "snapshot",
    eventId,
    at: deps.now().toISOString(),
    kitchenId: filter.kitchenId,
    orders: active,
  };
  if (filter.channel === "erp") {
    message.scheduled = (await deps.orders.scheduled(filter.kitchenId))
      .map((o) => showOrder(o, filter.view));
    const kitchen = deps.kitchen(filter.kitchenId);
    message.slots = kitchen
      ? (await daySlots(kitchen, undefined, deps.now(), (ids) => deps.orders.slotLoads(ids))).slots
      : [];
  }
  return { eventId, text: JSON.stringify(message) };
}
