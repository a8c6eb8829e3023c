/**
 * The hub's token keys and rules, shared by the hub (verifies, renews) and the
 * token tool (mints):
 *   AUTH_JWT_KEYS             JSON {"<kid>": "<secret>", ...}: every key tokens may be signed with
 *   AUTH_JWT_SECRET           shorthand for one key, whose id is AUTH_JWT_KEY_ID (default "k1")
 *   AUTH_JWT_SIGNING_KEY_ID   the key new tokens are signed with (needed when there are several)
 *   AUTH_JWT_REVOKED_KEY_IDS  key ids whose tokens are refused (comma-separated)
 *   AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE   iss and aud every token must carry
 *   AUTH_TOKEN_MAX_LIFETIME_S longest token, and longest chain of renewals (12 h)
 *   AUTH_CLOCK_SKEW_S         clock difference allowed on time checks (60 s)
 */
import type { TokenAuthority } from "../adapters/http/bearer_tokens.ts";
import { ConfigError, type Env, integer, list, optionalText, text } from "./env.ts";

const MIN_SECRET = 32;

export function readTokenAuthority(env: Env): TokenAuthority {
  const keys = keySet(env);
  const revokedKeyIds = new Set(list(env, "AUTH_JWT_REVOKED_KEY_IDS", []));
  const named = optionalText(env, "AUTH_JWT_SIGNING_KEY_ID");
  const live = [...keys.keys()].filter((k) => !revokedKeyIds.has(k));
  if (!named && live.length !== 1) {
    throw new ConfigError(
      `AUTH_JWT_SIGNING_KEY_ID must name the signing key among ${[...keys.keys()].join(", ")}`,
    );
  }
  const signingKeyId = named ?? live[0];
  if (!keys.has(signingKeyId)) {
    throw new ConfigError(`AUTH_JWT_SIGNING_KEY_ID ${signingKeyId} is not in the key set`);
  }
  if (revokedKeyIds.has(signingKeyId)) {
    throw new ConfigError(`AUTH_JWT_SIGNING_KEY_ID ${signingKeyId} is revoked`);
  }
  return {
    keys,
    signingKeyId,
    revokedKeyIds,
    issuer: text(env, "AUTH_JWT_ISSUER", "ovenline"),
    audience: text(env, "AUTH_JWT_AUDIENCE", "ovenline-hub"),
    maxLifetimeS: integer(env, "AUTH_TOKEN_MAX_LIFETIME_S", 12 * 3600, {
      min: 60,
      max: 7 * 86_400,
    }),
    clockSkewS: integer(env, "AUTH_CLOCK_SKEW_S", 60, { min: 0, max: 600 }),
  };
}

function keySet(env: Env): Map<string, string> {
  const json = optionalText(env, "AUTH_JWT_KEYS");
  const single = optionalText(env, "AUTH_JWT_SECRET");
  if (json && single) throw new ConfigError("set AUTH_JWT_KEYS or AUTH_JWT_SECRET, not both");
  if (!json && !single) throw new ConfigError("AUTH_JWT_KEYS (or AUTH_JWT_SECRET) is required");
  let entries: [string, unknown][];
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError('AUTH_JWT_KEYS must be JSON: {"<key id>": "<secret>", ...}');
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError('AUTH_JWT_KEYS must be a JSON object {"<key id>": "<secret>", ...}');
    }
    entries = Object.entries(parsed);
    if (entries.length === 0) throw new ConfigError("AUTH_JWT_KEYS holds no key");
  } else {
    entries = [[text(env, "AUTH_JWT_KEY_ID", "k1"), single]];
  }
  const name = json ? "AUTH_JWT_KEYS" : "AUTH_JWT_SECRET";
  for (const [kid, secret] of entries) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      throw new ConfigError(
        `${name}: key id "${kid.slice(0, 64)}" must be 1-64 of A-Z a-z 0-9 . _ -`,
      );
    }
    if (typeof secret !== "string" || secret.length < MIN_SECRET) {
      throw new ConfigError(`${name}: key ${kid} must be at least ${MIN_SECRET} characters`);
    }
  }
  return new Map(entries as [string, string][]);
}
