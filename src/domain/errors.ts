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

/**
 * No candidate slot had room. An order for now searched today's opening; a pre-order searched
 * from its requested time to the end of the kitchen's booking horizon (`searched`), which the
 * message names, as "today" may not be the day the customer asked for.
 */
export class SlotsFullError extends Error {
  constructor(readonly searched?: { readonly from: Date; readonly until: Date }) {
    super(
      searched
        ? `All slots are full from ${searched.from.toISOString()} to the end of the booking ` +
          `horizon (${searched.until.toISOString()})`
        : "All slots are full for today",
    );
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

/**
 * Too many of `what` too quickly for `subject`: orders per customer, phone or peer; calls per
 * connection or peer; failed order lookups per customer or peer.
 */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, readonly subject: string, readonly what = "orders") {
    super(`too many ${what} for this ${subject}; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = "RateLimitedError";
  }
}

/** The caller did not prove who it is (no customer token, or one that does not verify). */
export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/** The request names a customer other than the one the caller proved to be. */
export class CustomerMismatchError extends Error {
  constructor(
    readonly field: string,
    claimed: string,
    hint = "leave it unset (0) or send your own id",
  ) {
    super(`${field} ${truncated(claimed, 24)} is not the authenticated customer: ${hint}`);
    this.name = "CustomerMismatchError";
  }
}

/** An idempotency key already names another order of this customer (a different request). */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(
      `idempotency key "${truncated(idempotencyKey, 128)}" was already used for a different ` +
        `order; a new order needs a new key`,
    );
    this.name = "IdempotencyKeyReusedError";
  }
}

/** One order would take more of a slot than one customer may hold. */
export class OrderTooLargeError extends Error {
  constructor(
    readonly kitchenId: string,
    readonly weight: number,
    readonly maxWeight: number,
    readonly unit: string,
  ) {
    super(
      `the order is too large for one slot of kitchen ${kitchenId}: it needs ${weight} ${unit}, ` +
        `one customer may hold at most ${maxWeight} of a slot; split it into smaller orders`,
    );
    this.name = "OrderTooLargeError";
  }
}

/** The customer already holds as many open (booked, not yet cooked) orders as allowed. */
export class OpenOrdersLimitError extends Error {
  constructor(readonly limit: number, readonly retryAfterMs: number) {
    super(
      `this customer already has ${limit} open orders (the most allowed); a new one can be ` +
        `placed once one of them is cooked or cancelled`,
    );
    this.name = "OpenOrdersLimitError";
  }
}

/** Too many WatchOrder streams at once, on one connection or for one order. */
export class WatchLimitError extends Error {
  constructor(readonly scope: "connection" | "order" | "intake", readonly limit: number) {
    super(`too many WatchOrder streams for this ${scope} (at most ${limit} at once)`);
    this.name = "WatchLimitError";
  }
}

/** A WatchOrder stream reached its longest allowed duration; the client watches again. */
export class WatchExpiredError extends Error {
  constructor(readonly maxSeconds: number) {
    super(`a WatchOrder stream lasts at most ${maxSeconds} s; call WatchOrder again to go on`);
    this.name = "WatchExpiredError";
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
