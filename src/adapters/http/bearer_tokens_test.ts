import assert from "node:assert/strict";
import {
  mintToken,
  renewToken,
  signToken,
  type TokenAuthority,
  verifyToken,
} from "./bearer_tokens.ts";

const authority: TokenAuthority = {
  keys: new Map([["new", "n".repeat(32)], ["old", "o".repeat(32)], ["gone", "g".repeat(32)]]),
  signingKeyId: "new",
  revokedKeyIds: new Set(["gone"]),
  issuer: "ovenline",
  audience: "ovenline-hub",
  maxLifetimeS: 12 * 3600,
  clockSkewS: 60,
};
const NOW = new Date("2026-03-01T10:00:00Z");
const t = Math.floor(NOW.getTime() / 1000);
const claims = (o: Record<string, unknown> = {}) => ({
  iss: "ovenline",
  aud: "ovenline-hub",
  sub: "tablet",
  role: "kitchen",
  iat: t,
  exp: t + 3600,
  ...o,
});

Deno.test("`verifyToken()` accepts a minted token and reads its session, times and key", async () => {
  const token = await mintToken(authority, {
    role: "manager",
    subject: "m",
    ttlSeconds: 3600,
    now: NOW,
  });
  const p = await verifyToken(token, authority, NOW);
  assert.equal(p.role, "manager");
  assert.equal(p.keyId, "new");
  assert.equal(p.expiresAt.getTime(), NOW.getTime() + 3_600_000);
  assert.equal(p.authTime.getTime(), NOW.getTime());
  assert.match(p.sessionId, /^[0-9a-f-]{36}$/);
  // A key still in the set verifies what it signed (rotation).
  assert.equal(
    (await verifyToken(await signToken(authority, "old", claims()), authority, NOW)).keyId,
    "old",
  );
});

Deno.test("`verifyToken()` refuses each broken rule with its reason", async () => {
  const cases: [string, Promise<string>, RegExp][] = [
    ["no exp", signToken(authority, "new", claims({ exp: undefined })), /no expiry/],
    ["no iat", signToken(authority, "new", claims({ iat: undefined })), /no issue time/],
    [
      "ten years",
      signToken(authority, "new", claims({ exp: t + 10 * 365 * 86_400 })),
      /at most 12 h/,
    ],
    ["13 hours", signToken(authority, "new", claims({ exp: t + 13 * 3600 })), /at most 12 h/],
    [
      "expired past the skew",
      signToken(authority, "new", claims({ iat: t - 7200, exp: t - 61 })),
      /expired/,
    ],
    [
      "issued in the future",
      signToken(authority, "new", claims({ iat: t + 120, exp: t + 3600 })),
      /not valid yet/,
    ],
    ["not before", signToken(authority, "new", claims({ nbf: t + 120 })), /not valid yet/],
    [
      "wrong issuer",
      signToken(authority, "new", claims({ iss: "mallory" })),
      /issuer must be ovenline/,
    ],
    ["no audience", signToken(authority, "new", claims({ aud: undefined })), /audience/],
    ["wrong audience", signToken(authority, "new", claims({ aud: "other" })), /audience/],
    ["revoked key", signToken(authority, "gone", claims()), /key gone was revoked/],
    [
      "unknown key",
      signToken({ keys: new Map([["x", "x".repeat(32)]]) }, "x", claims()),
      /key x is unknown/,
    ],
    [
      "renewed past the session",
      signToken(authority, "new", claims({ auth_time: t - 12 * 3600, iat: t, exp: t + 3600 })),
      /outlives its session/,
    ],
    [
      "exp as text",
      signToken(authority, "new", claims({ exp: String(t + 3600) })),
      /exp must be a number/,
    ],
    ["role admin", signToken(authority, "new", claims({ role: "admin" })), /no valid role/],
  ];
  for (const [what, token, reason] of cases) {
    await assert.rejects(verifyToken(await token, authority, NOW), reason, what);
  }
  // Within the skew: a minute late still passes.
  await verifyToken(
    await signToken(authority, "new", claims({ iat: t - 3600, exp: t - 30 })),
    authority,
    NOW,
  );
});

Deno.test("`renewToken()` keeps role, subject and session, and never goes past the session's end", async () => {
  const first = await mintToken(authority, {
    role: "kitchen",
    subject: "tab",
    ttlSeconds: 3600,
    now: NOW,
  });
  const p = await verifyToken(first, authority, NOW);
  const later = new Date(NOW.getTime() + 11.5 * 3_600_000);
  const renewed = await renewToken(authority, {
    ...p,
    expiresAt: new Date(later.getTime() + 60_000),
  }, later);
  assert(renewed);
  assert.equal(renewed.sessionEndsAt.getTime(), NOW.getTime() + 12 * 3_600_000);
  assert.equal(
    renewed.expiresAt.getTime(),
    renewed.sessionEndsAt.getTime(),
    "cut to the session's end",
  );
  const q = await verifyToken(renewed.token, authority, later);
  assert.equal(q.sessionId, p.sessionId);
  assert.equal(q.subject, "tab");
  assert.equal(await renewToken(authority, p, new Date(NOW.getTime() + 12 * 3_600_000)), undefined);
});
