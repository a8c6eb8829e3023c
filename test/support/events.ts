/**
 * Order events built by a test, as intake would produce them, for feeding the
 * consumer directly through Kafka (redelivery, dead letters, restore).
 */
import { encodeOrderEvent } from "../../src/adapters/protobuf/order_event_codec.ts";
import { formatDisplayId } from "../../src/domain/display_id.ts";
import type { KitchenConfig } from "../../src/domain/kitchen.ts";
import type { Order } from "../../src/domain/order.ts";
import {
  ORDER_EVENT_SCHEMA_VERSION,
  type OrderPlaced,
  type StatusChangeRequested,
} from "../../src/domain/order_event.ts";
import type { OrderStatus } from "../../src/domain/status.ts";
import { firstSlotStartAtOrAfter, localDate, produceRaw, SLOT_MS } from "./observe.ts";
import { testKafka } from "./kafka_topics.ts";

const CLASSIC = {
  pizzaName: "Пицца Классическая",
  unitPriceKopecks: 96200,
  ingredients: [
    { name: "Томатный соус", grams: 80 },
    { name: "Моцарелла", grams: 150 },
    { name: "Ветчина", grams: 90 },
    { name: "Шампиньоны", grams: 70 },
    { name: "Пепперони", grams: 50 },
    { name: "Орегано", grams: 2 },
  ],
};

/**
 * An OrderPlaced for one "Пицца Классическая" × quantity, placed at `now` (default: the clock) into
 * the first slot from then of a kitchen open around the clock (testKitchen()).
 */
export function placedEvent(
  kitchen: KitchenConfig,
  opts: { displaySeq: number; quantity?: number; now?: Date; orderId?: string },
): OrderPlaced {
  const now = opts.now ?? new Date();
  const quantity = opts.quantity ?? 1;
  const slotStart = firstSlotStartAtOrAfter(now);
  const total = CLASSIC.unitPriceKopecks * quantity;
  const createdAt = now.toISOString();
  const id = opts.orderId ?? crypto.randomUUID();
  const order: Order = {
    id,
    displayId: formatDisplayId(opts.displaySeq),
    kitchenId: kitchen.id,
    customer: { id: "4242", firstName: "Пётр", lastName: "Сидоров", phone: "+79005554433" },
    deliveryAddress: "пр. Мира, д. 7",
    isPickup: false,
    items: [{
      pizzaName: CLASSIC.pizzaName,
      quantity,
      unitPriceKopecks: CLASSIC.unitPriceKopecks,
      lineTotalKopecks: total,
      extras: [],
      ingredients: CLASSIC.ingredients,
      station: "pizza",
    }],
    totalPriceKopecks: total,
    itemsCount: quantity,
    status: "pending",
    createdAt,
    slotStart: new Date(slotStart).toISOString(),
    slotEnd: new Date(slotStart + SLOT_MS).toISOString(),
    businessDate: localDate(slotStart, kitchen.timeZone),
    targetSlotId: `slot:${kitchen.id}:${slotStart / 1000}`,
    visibleAt: new Date(Math.max(slotStart - kitchen.leadMinutes * 60_000, now.getTime()))
      .toISOString(),
    slotWeight: total,
    capacityUnit: "value",
    version: 1,
    updatedAt: createdAt,
  };
  return {
    kind: "placed",
    schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
    eventId: crypto.randomUUID(),
    orderId: id,
    occurredAt: now,
    order,
    idempotencyKey: "",
    displaySeq: opts.displaySeq,
  };
}

export function statusChangeEvent(
  orderId: string,
  from: OrderStatus,
  to: OrderStatus,
  actor = "cook",
): StatusChangeRequested {
  return {
    kind: "status_change",
    schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
    eventId: crypto.randomUUID(),
    orderId,
    occurredAt: new Date(),
    from,
    to,
    actor,
    reason: "",
  };
}

/** Produces the same encoded event `times` times (as a redelivering broker or a retrying producer would). */
export async function produceEvent(
  topic: string,
  event: OrderPlaced | StatusChangeRequested,
  times = 1,
): Promise<Uint8Array> {
  const bytes = encodeOrderEvent(event);
  await produceRaw(
    topic,
    Array.from({ length: times }, () => ({
      key: event.orderId,
      value: bytes,
      headers: { "ovenline-event": event.kind, "ovenline-schema-version": "1" },
    })),
  );
  return bytes;
}

/** Waits until the consumer group has committed every record of `topic` (it has applied them all). */
export async function waitForConsumerCaughtUp(
  topic: string,
  groupId: string,
  timeoutMs = 20_000,
): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = ends.every((end) => {
          const c = committed?.partitions.find((p) => p.partition === end.partition);
          const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
          return at >= Number(end.high);
        });
        if (done) return;
        last = JSON.stringify({ ends, committed });
      } catch (error) {
        // A broker just back (or woken) may answer "not the leader" for a moment.
        last = String(error);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`consumer group ${groupId} did not catch up with ${topic}: ${last}`);
  } finally {
    await admin.disconnect();
  }
}
