/**
 * CreateOrder's numbers: orders created, rejections by reason, latency. The
 * reasons are a closed set (bounded label values); anything unexpected is
 * "internal".
 */
import {
  CustomerMismatchError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  KitchenClosedError,
  OpenOrdersLimitError,
  OrderTooLargeError,
  OutOfStockError,
  OverloadedError,
  RateLimitedError,
  SlotsFullError,
  ValidationError,
} from "../domain/errors.ts";
import { meter, secondsHistogram } from "./meter.ts";
import { METRICS } from "./metric_names.ts";

export type RejectionReason =
  | "invalid"
  | "out_of_stock"
  | "slots_full"
  | "kitchen_closed"
  | "rate_limited"
  | "open_orders_limit"
  | "too_large"
  | "key_reused"
  | "forbidden"
  | "overloaded"
  | "unavailable"
  | "internal";

/** Reasons that are the service's fault (they count against the error-rate SLO). */
export const SERVER_FAULTS: ReadonlySet<RejectionReason> = new Set([
  "overloaded",
  "unavailable",
  "internal",
]);

export function rejectionReason(error: unknown): RejectionReason {
  if (error instanceof ValidationError) return "invalid";
  if (error instanceof OutOfStockError) return "out_of_stock";
  if (error instanceof SlotsFullError) return "slots_full";
  if (error instanceof KitchenClosedError) return "kitchen_closed";
  if (error instanceof RateLimitedError) return "rate_limited";
  if (error instanceof OpenOrdersLimitError) return "open_orders_limit";
  if (error instanceof OrderTooLargeError) return "too_large";
  if (error instanceof IdempotencyKeyReusedError) return "key_reused";
  if (error instanceof CustomerMismatchError) return "forbidden";
  // Before its base class: load shed by intake itself, not an outage of Kafka, Redis or PostgreSQL.
  if (error instanceof OverloadedError) return "overloaded";
  if (error instanceof DependencyUnavailableError) return "unavailable";
  return "internal";
}

const created = meter.createCounter(METRICS.ordersCreated.name, {
  unit: METRICS.ordersCreated.unit,
  description: METRICS.ordersCreated.description,
});
const rejected = meter.createCounter(METRICS.ordersRejected.name, {
  unit: METRICS.ordersRejected.unit,
  description: METRICS.ordersRejected.description,
});
const duration = secondsHistogram(METRICS.createDuration);

const REASONS: readonly RejectionReason[] = [
  "invalid",
  "out_of_stock",
  "slots_full",
  "kitchen_closed",
  "rate_limited",
  "open_orders_limit",
  "too_large",
  "key_reused",
  "forbidden",
  "overloaded",
  "unavailable",
  "internal",
];

/**
 * Exports every rejection reason at 0 from the start, so rate() and increase() see the first
 * rejection of a fresh process (a series that starts at 1 hides its first increment).
 */
export function startCreateOrderMetrics(): void {
  for (const reason of REASONS) rejected.add(0, { reason });
}

/** One accepted order; `seconds` is the call's duration. */
export function recordCreated(kitchenId: string, seconds: number): void {
  created.add(1, { kitchen: kitchenId });
  duration.record(seconds, { outcome: "created" });
}

/** One refused call; returns the reason it was counted under. */
export function recordRejected(error: unknown, seconds: number): RejectionReason {
  const reason = rejectionReason(error);
  rejected.add(1, { reason });
  duration.record(seconds, { outcome: SERVER_FAULTS.has(reason) ? "failed" : "rejected" });
  return reason;
}
