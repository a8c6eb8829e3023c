/**
 * Every metric Ovenline records, by its OpenTelemetry name, with the name it
 * has at /metrics (meter.ts serves each instrument under it): OpenTelemetry's
 * Prometheus translation (dots → underscores, the unit as a suffix, `_total`
 * on counters). docs/observability.md lists the same; alert rules and
 * dashboards use the Prometheus names.
 */
export interface MetricSpec {
  readonly name: string;
  readonly prometheus: string;
  readonly instrument: "counter" | "histogram" | "gauge" | "updowncounter";
  readonly unit: string;
  readonly service: "intake" | "consumer" | "promoter" | "hub";
  readonly description: string;
}

export const METRICS = {
  ordersCreated: {
    name: "ovenline.orders.created",
    prometheus: "ovenline_orders_created_total",
    instrument: "counter",
    unit: "{order}",
    service: "intake",
    description: "Orders accepted by CreateOrder (durable in Kafka), by kitchen.",
  },
  ordersRejected: {
    name: "ovenline.orders.rejected",
    prometheus: "ovenline_orders_rejected_total",
    instrument: "counter",
    unit: "{order}",
    service: "intake",
    description: "CreateOrder calls refused, by reason: invalid, out_of_stock, slots_full, " +
      "kitchen_closed, rate_limited, open_orders_limit, too_large, key_reused, forbidden, " +
      "overloaded (shed: the replica's in-flight limit reached), unavailable, internal.",
  },
  createDuration: {
    name: "ovenline.order.create.duration",
    prometheus: "ovenline_order_create_duration_seconds",
    instrument: "histogram",
    unit: "s",
    service: "intake",
    description: "CreateOrder latency, by outcome (created, rejected, failed).",
  },
  callsInFlight: {
    name: "ovenline.intake.calls_in_flight",
    prometheus: "ovenline_intake_calls_in_flight",
    instrument: "gauge",
    unit: "{call}",
    service: "intake",
    description: "CreateOrder calls being served by this intake replica now; at its limit " +
      "(INTAKE_MAX_IN_FLIGHT, lower while it has a standing queue) the next call is refused " +
      "(rejected, reason overloaded).",
  },
  slotFillRatio: {
    name: "ovenline.slot.fill_ratio",
    prometheus: "ovenline_slot_fill_ratio",
    instrument: "gauge",
    unit: "1",
    service: "hub",
    description: "Booked load ÷ capacity of each of today's remaining slots, by kitchen and " +
      "slot (local start time HH:MM).",
  },
  consumerLag: {
    name: "ovenline.consumer.lag",
    prometheus: "ovenline_consumer_lag",
    instrument: "gauge",
    unit: "{message}",
    service: "consumer",
    description: "Records not yet committed by the consumer group, per topic partition " +
      "(end offset − committed offset).",
  },
  consumerCommittedOffset: {
    name: "ovenline.consumer.committed_offset",
    prometheus: "ovenline_consumer_committed_offset",
    instrument: "gauge",
    unit: "{message}",
    service: "consumer",
    description: "The consumer group's committed offset per topic partition (the start offset " +
      "when it committed none): with lag, a value that stops moving means a stalled consumer.",
  },
  kdsLatency: {
    name: "ovenline.order.kds_latency",
    prometheus: "ovenline_order_kds_latency_seconds",
    instrument: "histogram",
    unit: "s",
    service: "hub",
    description: "From the moment an order is due on the KDS (created, or visible_at for a " +
      "pre-order) to its order.visible being written to a KDS WebSocket.",
  },
  websocketConnections: {
    name: "ovenline.websocket.connections",
    prometheus: "ovenline_websocket_connections",
    instrument: "updowncounter",
    unit: "{connection}",
    service: "hub",
    description: "Open WebSockets on this hub replica, by channel (kds, erp).",
  },
  deadLetters: {
    name: "ovenline.dead_letters",
    prometheus: "ovenline_dead_letters_total",
    instrument: "counter",
    unit: "{message}",
    service: "consumer",
    description: "Order events moved to the dead-letter topic (accepted, never applied).",
  },
  promotionDelay: {
    name: "ovenline.promotion.delay",
    prometheus: "ovenline_promotion_delay_seconds",
    instrument: "histogram",
    unit: "s",
    service: "promoter",
    description: "How late a scheduled order was moved to the KDS: promotion time − visible_at.",
  },
  bookingsHeld: {
    name: "ovenline.bookings.held",
    prometheus: "ovenline_bookings_held",
    instrument: "gauge",
    unit: "{booking}",
    service: "consumer",
    description: "Slot bookings kept after a Kafka send that may have been written, waiting for " +
      "a retry, the consumer or its sweep to settle them (order:held).",
  },
} as const satisfies Record<string, MetricSpec>;

/** Seconds buckets for request-scale latencies; 0.5 s is the CreateOrder latency SLO threshold. */
export const LATENCY_BUCKETS_S = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];
