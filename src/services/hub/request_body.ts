/** Reads a JSON object body, answering 400 with the reason when it is not one. */
import type { Context } from "hono";
import { BadRequestError } from "../../adapters/http/errors.ts";

export async function jsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new BadRequestError("the body must be JSON (Content-Type: application/json)");
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new BadRequestError("the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** An optional string field of at most `max` characters. */
export function optionalString(
  body: Record<string, unknown>,
  field: string,
  max: number,
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new BadRequestError(`${field} must be a string`, [{ field, reason: "must be a string" }]);
  }
  if (value.length > max) {
    throw new BadRequestError(`${field} is too long`, [{
      field,
      reason: `must be at most ${max} characters`,
    }]);
  }
  return value;
}
