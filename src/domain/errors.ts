/** One class per condition a caller handles; each transport maps them once (adapters/grpc/errors.ts, adapters/http/errors.ts). */
import { truncated } from "./text.ts";

export interface FieldViolation {
  /** Request field path as named in the proto, e.g. "customer_phone" or "items[1].quantity". */
  readonly field: string;
  readonly reason: string;
}

export class ValidationError extends Error {
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.reason}`).join("; "));
    this.name = "ValidationError";
  }
}

export class OutOfStockError extends Error {
  constructor(readonly items: readonly string[]) {
    super(`out of stock: ${items.join(", ")}`);
    this.name = "OutOfStockError";
  }
}

export class SlotsFullError extends Error {
  constructor() {
    super("All slots are full for today");
    this.name = "SlotsFullError";
  }
}

export class KitchenClosedError extends Error {
  /** `at`: when the kitchen was found closed (the clock reading the decision used). */
  constructor(
    readonly reason: string,
    readonly nextOpening: Date | undefined,
    readonly at: Date,
  ) {
    super(
      nextOpening
        ? `Kitchen is closed: ${reason}; next opening at ${nextOpening.toISOString()}`
        : `Kitchen is closed: ${reason}`,
    );
    this.name = "KitchenClosedError";
  }
}

export class OrderNotFoundError extends Error {
  constructor(readonly orderId: string) {
    // Cut: the id is the caller's input, and the message goes back in a header (grpc-message).
    super(`order ${truncated(orderId, 64)} not found`);
    this.name = "OrderNotFoundError";
  }
}

export class IllegalTransitionError extends Error {
  constructor(readonly from: string, readonly to: string) {
    super(`cannot change status from ${from} to ${to}`);
    this.name = "IllegalTransitionError";
  }
}

/** The customer placed too many orders too quickly (by customer id or by phone). */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, readonly subject: string) {
    super(`too many orders for this ${subject}; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = "RateLimitedError";
  }
}

/** A dependency (Kafka, Redis, PostgreSQL) is unavailable; the call is safe to retry. */
export class DependencyUnavailableError extends Error {
  constructor(readonly dependency: string, cause?: unknown) {
    super(`${dependency} is unavailable`, { cause });
    this.name = "DependencyUnavailableError";
  }
}

/**
 * Too many calls in flight: the service sheds load instead of queueing without bound (which
 * would only make every caller late and the process huge). Safe to retry, like any outage.
 */
export class OverloadedError extends DependencyUnavailableError {
  constructor(readonly service: string, readonly inFlight: number) {
    super(service);
    this.message = `${service} is at capacity (${inFlight} calls in flight)`;
    this.name = "OverloadedError";
  }
}

/**
 * Kafka did not acknowledge the order's event, but the request had left: it
 * may yet be recorded. The caller hears UNAVAILABLE (retry with the same key);
 * the booking is held, not released, until that is known.
 */
export class UncertainWriteError extends DependencyUnavailableError {
  constructor(dependency: string, cause?: unknown) {
    super(dependency, cause);
    this.message = `${dependency} did not acknowledge the order in time (it may still be recorded)`;
    this.name = "UncertainWriteError";
  }
}

/**
 * Kafka has not answered within the caller's time, and the send is still under way: the caller
 * hears UNAVAILABLE now; `verdict` tells later whether the order was written after all.
 */
export class PendingWriteError extends DependencyUnavailableError {
  constructor(
    dependency: string,
    readonly verdict: Promise<"written" | "not_written" | "uncertain">,
    cause?: unknown,
  ) {
    super(dependency, cause);
    this.message = `${dependency} did not acknowledge the order in time`;
    this.name = "PendingWriteError";
  }
}
