/**
 * The one mapping from Ovenline's errors to gRPC statuses. Each status carries
 * a readable message naming what is wrong and, in `grpc-status-details-bin`,
 * the standard rich error details (BadRequest, PreconditionFailure,
 * ErrorInfo, RetryInfo) so apps can act on it without parsing text.
 */
import { Buffer } from "node:buffer";
import { Metadata, type ServiceError, status as Code } from "@grpc/grpc-js";
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  RetryInfo,
} from "../../gen/google/rpc/error_details.ts";
import { Status } from "../../gen/google/rpc/status.ts";
import type { Any } from "../../gen/google/protobuf/any.ts";
import {
  CustomerMismatchError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  KitchenClosedError,
  OpenOrdersLimitError,
  OrderNotFoundError,
  OrderTooLargeError,
  OutOfStockError,
  OverloadedError,
  RateLimitedError,
  SlotsFullError,
  UnauthenticatedError,
  ValidationError,
  WatchExpiredError,
  WatchLimitError,
} from "../../domain/errors.ts";

export const ERROR_DOMAIN = "ovenline.dev";

export class PermissionDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermissionDeniedError";
  }
}

function any(typeName: string, value: Uint8Array): Any {
  return { typeUrl: `type.googleapis.com/${typeName}`, value: Buffer.from(value) };
}

function errorInfo(reason: string, metadata: Record<string, string> = {}): Any {
  return any(
    "google.rpc.ErrorInfo",
    ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata }).finish(),
  );
}

function retryInfo(delayMs: number): Any {
  const ms = Math.max(0, Math.round(delayMs));
  return any(
    "google.rpc.RetryInfo",
    RetryInfo.encode({
      retryDelay: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 },
    }).finish(),
  );
}

export function serviceError(code: Code, message: string, details: Any[] = []): ServiceError {
  const metadata = new Metadata();
  if (details.length > 0) {
    const encoded = Status.encode({ code, message, details }).finish();
    metadata.set("grpc-status-details-bin", Buffer.from(encoded));
  }
  return Object.assign(new Error(message), { code, details: message, metadata });
}

/** Maps a thrown value to the status the client sees; unknown errors become INTERNAL without internals. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ValidationError) {
    return serviceError(Code.INVALID_ARGUMENT, `invalid request: ${error.message}`, [
      any(
        "google.rpc.BadRequest",
        BadRequest.encode({
          fieldViolations: error.violations.map((v) => ({
            field: v.field,
            description: v.reason,
          })),
        }).finish(),
      ),
    ]);
  }
  if (error instanceof OutOfStockError) {
    return serviceError(Code.FAILED_PRECONDITION, `Out of stock: ${error.items.join(", ")}`, [
      any(
        "google.rpc.PreconditionFailure",
        PreconditionFailure.encode({
          violations: error.items.map((item) => ({
            type: "OUT_OF_STOCK",
            subject: item,
            description: `${item} is out of stock`,
          })),
        }).finish(),
      ),
      errorInfo("OUT_OF_STOCK", { items: error.items.join(",") }),
    ]);
  }
  if (error instanceof SlotsFullError) {
    const searched: Record<string, string> = error.searched
      ? { from: error.searched.from.toISOString(), until: error.searched.until.toISOString() }
      : {};
    return serviceError(Code.RESOURCE_EXHAUSTED, error.message, [
      errorInfo("SLOTS_FULL", searched),
    ]);
  }
  if (error instanceof KitchenClosedError) {
    const meta: Record<string, string> = { reason: error.reason };
    const details = [];
    if (error.nextOpening) {
      meta.next_opening = error.nextOpening.toISOString();
      // Counted from when intake's clock found it closed, not from a clock of this adapter's own.
      details.push(retryInfo(error.nextOpening.getTime() - error.at.getTime()));
    }
    return serviceError(Code.RESOURCE_EXHAUSTED, error.message, [
      errorInfo("KITCHEN_CLOSED", meta),
      ...details,
    ]);
  }
  if (error instanceof RateLimitedError) {
    return serviceError(Code.RESOURCE_EXHAUSTED, error.message, [
      errorInfo("RATE_LIMITED", { subject: error.subject }),
      retryInfo(error.retryAfterMs),
    ]);
  }
  if (error instanceof UnauthenticatedError) {
    return serviceError(Code.UNAUTHENTICATED, error.message, [errorInfo("UNAUTHENTICATED")]);
  }
  if (error instanceof CustomerMismatchError) {
    return serviceError(Code.PERMISSION_DENIED, error.message, [
      errorInfo("CUSTOMER_MISMATCH", { field: error.field }),
    ]);
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return serviceError(Code.ALREADY_EXISTS, error.message, [
      errorInfo("IDEMPOTENCY_KEY_REUSED", { idempotency_key: error.idempotencyKey }),
    ]);
  }
  if (error instanceof OrderTooLargeError) {
    return serviceError(Code.FAILED_PRECONDITION, error.message, [
      any(
        "google.rpc.PreconditionFailure",
        PreconditionFailure.encode({
          violations: [{
            type: "ORDER_TOO_LARGE",
            subject: error.kitchenId,
            description: `at most ${error.maxWeight} ${error.unit} per customer and slot`,
          }],
        }).finish(),
      ),
      errorInfo("ORDER_TOO_LARGE", {
        weight: String(error.weight),
        max_weight: String(error.maxWeight),
        unit: error.unit,
      }),
    ]);
  }
  if (error instanceof OpenOrdersLimitError) {
    return serviceError(Code.RESOURCE_EXHAUSTED, error.message, [
      errorInfo("OPEN_ORDERS_LIMIT", { limit: String(error.limit) }),
      retryInfo(error.retryAfterMs),
    ]);
  }
  if (error instanceof WatchLimitError) {
    return serviceError(Code.RESOURCE_EXHAUSTED, error.message, [
      errorInfo("WATCH_LIMIT", { scope: error.scope, limit: String(error.limit) }),
    ]);
  }
  if (error instanceof WatchExpiredError) {
    return serviceError(Code.UNAVAILABLE, error.message, [
      errorInfo("WATCH_EXPIRED", { max_seconds: String(error.maxSeconds) }),
      retryInfo(0),
    ]);
  }
  if (error instanceof OrderNotFoundError) {
    return serviceError(Code.NOT_FOUND, error.message);
  }
  if (error instanceof IllegalTransitionError) {
    return serviceError(Code.FAILED_PRECONDITION, error.message, [
      errorInfo("ILLEGAL_TRANSITION", { from: error.from, to: error.to }),
    ]);
  }
  if (error instanceof PermissionDeniedError) {
    return serviceError(Code.PERMISSION_DENIED, error.message);
  }
  if (error instanceof DependencyUnavailableError) {
    // Shed by intake itself, or a dependency out: either way nothing was accepted.
    const info = error instanceof OverloadedError
      ? errorInfo("OVERLOADED", { service: error.service, in_flight: String(error.inFlight) })
      : errorInfo("DEPENDENCY_UNAVAILABLE", { dependency: error.dependency });
    return serviceError(
      Code.UNAVAILABLE,
      `${error.message}; the order was not accepted, retry with the same idempotency key`,
      [info, retryInfo(1000)],
    );
  }
  return serviceError(Code.INTERNAL, "internal error");
}
