/**
 * Who may do what on the hub. Every API call and WebSocket needs a bearer
 * token; its role decides: viewer reads, kitchen also moves orders along,
 * manager also cancels and edits slots, hours, prices and the stop-list.
 */
import type { Context, MiddlewareHandler } from "hono";
import { httpError } from "../../adapters/http/errors.ts";
import {
  type Principal,
  type Role,
  roleAllows,
  type TokenAuthority,
  TokenError,
  tokenOf,
  verifyToken,
} from "../../adapters/http/bearer_tokens.ts";
import type { HubEnv } from "./routes/hub_env.ts";

export class ForbiddenError extends Error {
  constructor(readonly needed: Role, readonly role: Role) {
    super(`this needs the ${needed} role; the token's role is ${role}`);
    this.name = "ForbiddenError";
  }
}

export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

export class RateLimitedError extends Error {
  constructor(readonly retryAfterS: number) {
    super(`too many requests for this token; retry in ${retryAfterS} s`);
    this.name = "RateLimitedError";
  }
}

/** Verifies the request's token; the principal is then `c.get("principal")`. */
export function requireToken(
  authority: TokenAuthority,
  now: () => Date,
): MiddlewareHandler<HubEnv> {
  return async (c, next) => {
    c.set("principal", await authenticate(c.req.raw.headers, authority, now()));
    const principal = c.get("principal");
    c.set("actor", `${principal.role}:${principal.subject}`);
    await next();
  };
}

/** Spends one call of the token session's budget; past it, 429 with Retry-After. */
export function rateLimit(
  buckets: { take(key: string, now: number): number },
  now: () => Date,
): MiddlewareHandler<HubEnv> {
  return async (c, next) => {
    const waitMs = buckets.take(c.get("principal").sessionId, now().getTime());
    if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1000));
    await next();
  };
}

export async function authenticate(
  headers: Headers,
  authority: TokenAuthority,
  now: Date,
): Promise<Principal> {
  const token = tokenOf(headers);
  if (!token) {
    throw new UnauthenticatedError("a bearer token is required (Authorization: Bearer …)");
  }
  try {
    return await verifyToken(token, authority, now);
  } catch (error) {
    throw new UnauthenticatedError(
      error instanceof TokenError ? error.message : "the token is invalid",
    );
  }
}

export function requireRole(c: Context<HubEnv>, needed: Role): void {
  const principal = c.get("principal");
  if (!roleAllows(principal.role, needed)) throw new ForbiddenError(needed, principal.role);
}

/** The HTTP answer for an access error, or undefined for any other error. */
export function accessErrorResponse(error: unknown): Response | undefined {
  if (error instanceof UnauthenticatedError) {
    const e = httpError(401, "unauthenticated", error.message);
    return Response.json(e.body, {
      status: e.status,
      headers: { "www-authenticate": 'Bearer realm="ovenline"' },
    });
  }
  if (error instanceof RateLimitedError) {
    const e = httpError(429, "rate_limited", error.message, {
      retryAfterSeconds: error.retryAfterS,
    });
    return Response.json(e.body, {
      status: e.status,
      headers: { "retry-after": String(error.retryAfterS) },
    });
  }
  if (error instanceof ForbiddenError) {
    const e = httpError(403, "forbidden", error.message, { needed: error.needed });
    return Response.json(e.body, { status: e.status });
  }
  return undefined;
}
