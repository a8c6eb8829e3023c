/**
 * Bearer tokens for the hub: JWTs signed with HS256 (hono/jwt), carrying a
 * `role` (viewer, kitchen, manager). Every token names its key (`kid`) from a
 * key set, so keys can be rotated (several at once) and a revoked key refuses
 * everything it signed. Every token must expire: `exp` and `iat` are required,
 * no token lives longer than the cap (a shift, 12 h by default), and renewals
 * end at `auth_time` + the cap. `iss` and `aud` must match. A small clock skew
 * is allowed on every time check. Verification is an HMAC check done by
 * WebCrypto, which compares in constant time. Tokens are never logged.
 */
import { decode, sign, verify } from "hono/jwt";

export const ROLES = ["viewer", "kitchen", "manager"] as const;
export type Role = typeof ROLES[number];

const RANK: Record<Role, number> = { viewer: 0, kitchen: 1, manager: 2 };

/** manager ⊇ kitchen ⊇ viewer. */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** The keys tokens are signed and verified with, and the rules they must meet. */
export interface TokenAuthority {
  /** kid → HS256 secret. */
  readonly keys: ReadonlyMap<string, string>;
  /** The key new and renewed tokens are signed with. */
  readonly signingKeyId: string;
  /** Key ids whose tokens are refused, whether or not the key is still listed. */
  readonly revokedKeyIds: ReadonlySet<string>;
  readonly issuer: string;
  readonly audience: string;
  /** Longest lifetime of a token, and of a chain of renewals from `auth_time` (seconds). */
  readonly maxLifetimeS: number;
  /** Clock difference tolerated on every time check (seconds). */
  readonly clockSkewS: number;
}

export interface Principal {
  readonly role: Role;
  readonly subject: string;
  readonly keyId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** When the chain of renewals started (the token a person handed out); renewals end at this + the cap. */
  readonly authTime: Date;
  /** Shared by a token and its renewals: connection limits count per session. */
  readonly sessionId: string;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const hours = (s: number) => `${Math.round(s / 360) / 10} h`;

function numericClaim(payload: Record<string, unknown>, name: string): number | undefined {
  const v = payload[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TokenError(`the token's ${name} must be a number of seconds`);
  }
  return v;
}

function headerOf(token: string): Record<string, unknown> {
  try {
    return decode(token).header as unknown as Record<string, unknown>;
  } catch {
    throw new TokenError("the token is not a JWT");
  }
}

export async function verifyToken(
  token: string,
  authority: TokenAuthority,
  now: Date,
): Promise<Principal> {
  const kid = headerOf(token).kid;
  if (typeof kid !== "string" || kid === "") {
    throw new TokenError("the token names no key (kid); mint a new one");
  }
  if (authority.revokedKeyIds.has(kid)) throw new TokenError(`the token's key ${kid} was revoked`);
  const secret = authority.keys.get(kid);
  if (!secret) throw new TokenError(`the token's key ${kid.slice(0, 40)} is unknown`);
  let payload: Record<string, unknown>;
  try {
    // Times are checked below, against the injected clock and with the skew.
    payload = await verify(token, secret, {
      alg: "HS256",
      exp: false,
      nbf: false,
      iat: false,
    }) as Record<string, unknown>;
  } catch {
    throw new TokenError("the token's signature is invalid");
  }
  if (payload.iss !== authority.issuer) {
    throw new TokenError(`the token's issuer must be ${authority.issuer}`);
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(authority.audience)) {
    throw new TokenError(`the token's audience must include ${authority.audience}`);
  }
  const t = seconds(now);
  const skew = authority.clockSkewS;
  const exp = numericClaim(payload, "exp");
  const iat = numericClaim(payload, "iat");
  const nbf = numericClaim(payload, "nbf");
  const authTime = numericClaim(payload, "auth_time") ?? iat;
  if (exp === undefined) throw new TokenError("the token has no expiry (exp)");
  if (iat === undefined || authTime === undefined) {
    throw new TokenError("the token has no issue time (iat)");
  }
  if (exp + skew <= t) throw new TokenError("the token has expired");
  if (iat - skew > t || (nbf !== undefined && nbf - skew > t)) {
    throw new TokenError("the token is not valid yet");
  }
  if (exp - iat > authority.maxLifetimeS) {
    throw new TokenError(
      `the token lives ${hours(exp - iat)}; at most ${hours(authority.maxLifetimeS)} is allowed`,
    );
  }
  if (authTime > iat || exp > authTime + authority.maxLifetimeS) {
    throw new TokenError(
      `the token outlives its session: renewals end ${
        hours(authority.maxLifetimeS)
      } after the first token`,
    );
  }
  const role = payload.role;
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) {
    throw new TokenError("the token has no valid role");
  }
  const subject = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : role;
  return {
    role: role as Role,
    subject,
    keyId: kid,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    authTime: new Date(authTime * 1000),
    sessionId: typeof payload.sid === "string" && payload.sid !== ""
      ? payload.sid
      : `${subject}@${authTime}`,
  };
}

export interface MintOptions {
  readonly role: Role;
  readonly subject: string;
  readonly ttlSeconds: number;
  readonly now: Date;
  /** Renewals keep the first token's start and session; a new token starts both. */
  readonly authTime?: Date;
  readonly sessionId?: string;
}

/** Signs a token with the authority's signing key. The lifetime is cut to the cap. */
export function mintToken(authority: TokenAuthority, o: MintOptions): Promise<string> {
  const iat = seconds(o.now);
  const authTime = o.authTime ? seconds(o.authTime) : iat;
  const exp = Math.min(iat + o.ttlSeconds, authTime + authority.maxLifetimeS);
  return signToken(authority, authority.signingKeyId, {
    iss: authority.issuer,
    aud: authority.audience,
    sub: o.subject,
    role: o.role,
    iat,
    exp,
    auth_time: authTime,
    sid: o.sessionId ?? crypto.randomUUID(),
  });
}

/** Signs any claims with key `kid` (tests forge tokens that break one rule each with it). */
export function signToken(
  authority: Pick<TokenAuthority, "keys">,
  kid: string,
  claims: Record<string, unknown>,
): Promise<string> {
  const secret = authority.keys.get(kid);
  if (!secret) throw new TokenError(`no key ${kid}`);
  const jwk = {
    kty: "oct",
    k: btoa(String.fromCharCode(...new TextEncoder().encode(secret)))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
    alg: "HS256",
    kid,
  };
  // deno-lint-ignore no-explicit-any
  return sign(claims as any, jwk as any);
}

/**
 * A fresh token for the holder of a still-valid one: the same role, subject
 * and session, as long-lived as the one it replaces, but never past the end
 * of the session (auth_time + the cap). Undefined when the session is over.
 */
export async function renewToken(
  authority: TokenAuthority,
  principal: Principal,
  now: Date,
): Promise<{ token: string; expiresAt: Date; sessionEndsAt: Date } | undefined> {
  const sessionEnd = seconds(principal.authTime) + authority.maxLifetimeS;
  const ttl = seconds(principal.expiresAt) - seconds(principal.issuedAt);
  const exp = Math.min(seconds(now) + ttl, sessionEnd);
  if (exp <= seconds(now)) return undefined;
  const token = await mintToken(authority, {
    role: principal.role,
    subject: principal.subject,
    ttlSeconds: ttl,
    now,
    authTime: principal.authTime,
    sessionId: principal.sessionId,
  });
  return { token, expiresAt: new Date(exp * 1000), sessionEndsAt: new Date(sessionEnd * 1000) };
}

/** The token of a request: `Authorization: Bearer …`, or for browsers' WebSockets the subprotocol `bearer.…`. */
export function tokenOf(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || undefined;
  const protocols = (headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  const carried = protocols.find((p) => p.startsWith("bearer."));
  return carried ? carried.slice("bearer.".length) || undefined : undefined;
}
