/** The one mapping from Ovenline's errors to HTTP answers: status plus `{ error: { code, message, fields? } }`. */
import {
  DependencyUnavailableError,
  IllegalTransitionError,
  OrderNotFoundError,
  ValidationError,
} from "../../domain/errors.ts";
import type { FieldViolation } from "../../domain/errors.ts";

export interface HttpError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;
  readonly body: {
    readonly error: {
      readonly code: string;
      readonly message: string;
      readonly fields?: readonly FieldViolation[];
      readonly [extra: string]: unknown;
    };
  };
}

export class BadRequestError extends Error {
  constructor(message: string, readonly fields: readonly FieldViolation[] = []) {
    super(message);
    this.name = "BadRequestError";
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request is valid but cannot be done in the current state of things (409). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

export function httpError(
  status: HttpError["status"],
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): HttpError {
  return { status, body: { error: { code, message, ...extra } } };
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof ValidationError) {
    return httpError(400, "invalid", error.message, { fields: error.violations });
  }
  if (error instanceof BadRequestError) {
    return httpError(
      400,
      "invalid",
      error.message,
      error.fields.length ? { fields: error.fields } : {},
    );
  }
  if (error instanceof OrderNotFoundError || error instanceof NotFoundError) {
    return httpError(404, "not_found", error.message);
  }
  if (error instanceof ConflictError) return httpError(409, "conflict", error.message);
  if (error instanceof IllegalTransitionError) {
    return httpError(409, "conflict", error.message, { from: error.from, to: error.to });
  }
  if (error instanceof DependencyUnavailableError) {
    return httpError(503, "unavailable", `${error.message}; nothing was changed, retry`);
  }
  return httpError(500, "internal", "internal error");
}
