/**
 * One stream entry on its way to clients. Its JSON envelope is built and
 * UTF-8 encoded once per view, and the same bytes go to every client of that
 * view (a socket would otherwise encode the text again for each client).
 */
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import {
  type OrderView,
  type OrderWithoutCustomer,
  showOrder,
} from "../../domain/personal_data.ts";

/** Types a kitchen display is sent; order.created is not among them (scheduled orders stay hidden). */
export const KDS_TYPES: ReadonlySet<string> = new Set([
  "order.visible",
  "order.status_changed",
  "order.cancelled",
]);

export const ERP_TYPES: ReadonlySet<string> = new Set([
  "order.created",
  ...KDS_TYPES,
  "slots.updated",
]);

export class LiveEvent {
  readonly #envelopes = new Map<OrderView, Uint8Array>();
  #stations: ReadonlySet<string> | undefined;
  #visible: boolean | undefined;
  #order: OrderWithoutCustomer | undefined;

  constructor(readonly entry: StreamEntry) {}

  get id(): string {
    return this.entry.id;
  }

  get type(): string {
    return this.entry.type;
  }

  get kitchenId(): string {
    return this.entry.kitchenId;
  }

  /** Stations of the order's items (empty for non-order events). */
  get stations(): ReadonlySet<string> {
    // The producers write the stations beside the order; older entries need the order parsed.
    this.#stations ??= new Set(
      this.entry.stations ??
        (this.entry.order ? (this.#parsedOrder()!.items ?? []).map((i) => i.station) : []),
    );
    return this.#stations;
  }

  /**
   * Whether the order is on the KDS. A status change of an order not yet
   * visible (a manager cancelling a pre-order) must not reach a tablet.
   */
  get visibleOnKds(): boolean {
    if (this.#visible === undefined) {
      const visibleAt = this.entry.visibleAtMs ??
        (this.entry.order ? Date.parse(this.#parsedOrder()!.visibleAt) : undefined);
      this.#visible = visibleAt !== undefined && visibleAt <= Date.parse(this.entry.at);
    }
    return this.#visible;
  }

  /**
   * Since when (ms) the order has been due on the KDS: its creation, or its
   * visible_at for a pre-order (order-to-KDS latency counts from there).
   */
  dueOnKdsSince(): number | undefined {
    const order = this.#parsedOrder();
    if (!order) return undefined;
    const since = Math.max(Date.parse(order.createdAt), Date.parse(order.visibleAt));
    return Number.isFinite(since) ? since : undefined;
  }

  /** The entry's order, parsed once for every use. */
  #parsedOrder(): OrderWithoutCustomer | undefined {
    if (this.#order === undefined && this.entry.order) this.#order = JSON.parse(this.entry.order);
    return this.#order;
  }

  /** The message for clients of `view`: JSON text as UTF-8, built once per view. */
  envelope(view: OrderView): Uint8Array {
    let bytes = this.#envelopes.get(view);
    if (bytes === undefined) {
      const parsed = this.#parsedOrder();
      const order = parsed ? JSON.stringify(showOrder(parsed, view)) : undefined;
      const text = `{"type":${JSON.stringify(this.entry.type)},"eventId":${
        JSON.stringify(this.entry.id)
      },"at":${JSON.stringify(this.entry.at)},"kitchenId":${JSON.stringify(this.entry.kitchenId)}${
        order ? `,"order":${order}` : ""
      }${this.entry.slot ? `,"slot":${this.entry.slot}` : ""}}`;
      bytes = utf8.encode(text);
      this.#envelopes.set(view, bytes);
    }
    return bytes;
  }
}

const utf8 = new TextEncoder();
