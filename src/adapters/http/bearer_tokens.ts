/**
 * Bearer tokens for the hub: JWTs signed with HS256 (hono/jwt), carrying a
 * `role` (viewer, kitchen, manager). The signing key comes from a Kubernetes
 * Secret through the environment. Verification is an HMAC check done by
 * WebCrypto, which compares in constant time. Tokens are never logged.
 */
import { sign, verify } from "hono/jwt";

export const ROLES = ["viewer", "kitchen", "manager"] as const;
export type Role = typeof ROLES[number];

const RANK: Record<Role, number> = { viewer: 0, kitchen: 1, manager: 2 };

/** manager ⊇ kitchen ⊇ viewer. */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export interface Principal {
  readonly role: Role;
  readonly subject: string;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

export async function verifyToken(token: string, secret: string): Promise<Principal> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, "HS256") as Record<string, unknown>;
  } catch {
    throw new TokenError("the token is invalid or expired");
  }
  const role = payload.role;
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw new TokenError("the token has no valid role");
  }
  return { role: role as Role, subject: typeof payload.sub === "string" ? payload.sub : role };
}

export function mintToken(
  secret: string,
  role: Role,
  subject: string,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return sign({ role, sub: subject, iat, exp: iat + ttlSeconds }, secret, "HS256");
}

/** The token of a request: `Authorization: Bearer …`, or for browsers' WebSockets the subprotocol `bearer.…`. */
export function tokenOf(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || undefined;
  const protocols = (headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  const carried = protocols.find((p) => p.startsWith("bearer."));
  return carried ? carried.slice("bearer.".length) || undefined : undefined;
}
