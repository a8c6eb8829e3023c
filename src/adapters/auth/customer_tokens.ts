/**
 * Customer tokens: JWTs from the chain's identity provider, signed with its
 * private key (ES256, RS256, EdDSA, …) and verified here against its public
 * key set (JWKS, with a `kid` per key so that keys can be rotated and
 * revoked). The claim that carries the customer id (`sub` by default) becomes
 * the customer of every call made with the token.
 *
 * The key set is held in memory: a file is re-read on a timer (a mounted
 * Secret or ConfigMap changes in place), a URL is fetched by jose with a cache
 * (refetched when a token names an unknown `kid`, at most every 30 s). A token
 * that verified is remembered, keyed by its SHA-256, until it expires or for
 * five minutes at most, so a customer app's calls cost one signature check per
 * token, not one per call; a changed key set forgets them all at once.
 */
import { createHash } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import { DependencyUnavailableError, UnauthenticatedError } from "../../domain/errors.ts";
import type { Clock } from "../../domain/ports.ts";

export interface CustomerTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  /** The claim that carries the customer id. */
  readonly customerClaim: string;
  /** Longest lifetime accepted (exp − iat, or exp − now without iat). */
  readonly maxLifetimeSeconds: number;
  readonly clockSkewSeconds: number;
}

const MAX_TOKEN_LENGTH = 8 * 1024;
const REMEMBERED = 10_000;
const REMEMBER_AT_MOST_MS = 5 * 60_000;
const MAX_CUSTOMER_ID = 9223372036854775807n;

interface Remembered {
  readonly customerId: string;
  readonly untilMs: number;
}

export class CustomerTokenVerifier {
  #keys: JWTVerifyGetKey;
  readonly #remembered = new Map<string, Remembered>();

  constructor(
    keys: JWTVerifyGetKey,
    private readonly settings: CustomerTokenSettings,
    private readonly clock: Clock,
  ) {
    this.#keys = keys;
  }

  /** Verifier of tokens signed with the keys of `jwks` (a JSON Web Key Set). */
  static ofKeySet(jwks: JSONWebKeySet, settings: CustomerTokenSettings, clock: Clock) {
    return new CustomerTokenVerifier(createLocalJWKSet(jwks), settings, clock);
  }

  /** Replaces the key set (a rotated file): tokens verified before are checked again. */
  useKeySet(jwks: JSONWebKeySet): void {
    this.#keys = createLocalJWKSet(jwks);
    this.#remembered.clear();
  }

  /** The customer id the token proves, or UnauthenticatedError saying what is wrong with it. */
  async customerOf(token: string): Promise<string> {
    if (token.length > MAX_TOKEN_LENGTH) {
      throw new UnauthenticatedError(
        `the customer token is longer than ${MAX_TOKEN_LENGTH} characters`,
      );
    }
    const nowMs = this.clock.now().getTime();
    const key = createHash("sha256").update(token).digest("base64");
    const known = this.#remembered.get(key);
    if (known && nowMs < known.untilMs) return known.customerId;
    if (known) this.#remembered.delete(key);

    const { payload } = await jwtVerify(token, this.#keys, {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: [...this.settings.algorithms],
      clockTolerance: this.settings.clockSkewSeconds,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp"],
    }).catch((error) => {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        // The key set could not be fetched: the token may be fine, so this is an outage.
        throw new DependencyUnavailableError("the customer key set (JWKS)", error);
      }
      throw new UnauthenticatedError(`the customer token is not accepted: ${reasonOf(error)}`);
    });
    const exp = payload.exp!;
    const from = typeof payload.iat === "number" ? payload.iat : nowMs / 1000;
    if (exp - from > this.settings.maxLifetimeSeconds + this.settings.clockSkewSeconds) {
      throw new UnauthenticatedError(
        `the customer token is not accepted: it lives longer than ` +
          `${this.settings.maxLifetimeSeconds} s (exp − iat)`,
      );
    }
    const customerId = customerIdOf(payload[this.settings.customerClaim]);
    if (customerId === undefined) {
      throw new UnauthenticatedError(
        `the customer token is not accepted: its "${this.settings.customerClaim}" claim must be ` +
          `the customer id, a whole number from 1 to ${MAX_CUSTOMER_ID}`,
      );
    }
    if (this.#remembered.size >= REMEMBERED) {
      this.#remembered.delete(this.#remembered.keys().next().value!);
    }
    this.#remembered.set(key, {
      customerId,
      untilMs: Math.min(
        exp * 1000 + this.settings.clockSkewSeconds * 1000,
        nowMs + REMEMBER_AT_MOST_MS,
      ),
    });
    return customerId;
  }
}

/** A key set read from a JSON file, re-read every `refreshMs` (rotations apply within it). */
export async function verifierFromFile(
  path: string,
  settings: CustomerTokenSettings,
  clock: Clock,
  refreshMs: number,
  onError: (error: unknown) => void,
): Promise<{ verifier: CustomerTokenVerifier; stop: () => void }> {
  let text = await Deno.readTextFile(path);
  const verifier = CustomerTokenVerifier.ofKeySet(parseKeySet(text, path), settings, clock);
  const timer = setInterval(async () => {
    try {
      const next = await Deno.readTextFile(path);
      if (next === text) return;
      verifier.useKeySet(parseKeySet(next, path));
      text = next;
    } catch (error) {
      onError(error);
    }
  }, refreshMs);
  return { verifier, stop: () => clearInterval(timer) };
}

/** A key set fetched from `url` (the identity provider's jwks_uri), cached by jose. */
export async function verifierFromUrl(
  url: string,
  settings: CustomerTokenSettings,
  clock: Clock,
  onError: (error: unknown) => void,
): Promise<CustomerTokenVerifier> {
  const keys = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: 10 * 60_000,
    cooldownDuration: 30_000,
    timeoutDuration: 5_000,
  });
  // Fetched now, so the first customer does not wait for it; a failure is retried on demand.
  await keys.reload().catch(onError);
  return new CustomerTokenVerifier(keys, settings, clock);
}

export function parseKeySet(text: string, where: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON: ${(error as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new Error(`${where} is not a JSON Web Key Set ({"keys": [...]}, at least one key)`);
  }
  for (const key of keys) {
    if (typeof key?.kid !== "string" || key.kid === "") {
      throw new Error(`${where}: every key needs a "kid" (rotation and revocation go by it)`);
    }
    if ("d" in key) {
      throw new Error(`${where}: key ${key.kid} is a private key; give intake public keys only`);
    }
  }
  return parsed as JSONWebKeySet;
}

function customerIdOf(claim: unknown): string | undefined {
  const text = typeof claim === "number" && Number.isSafeInteger(claim)
    ? String(claim)
    : typeof claim === "string"
    ? claim
    : "";
  if (!/^[1-9]\d{0,18}$/.test(text) || BigInt(text) > MAX_CUSTOMER_ID) return undefined;
  return text;
}

/** What is wrong with a token, in words that reveal nothing a client should not know. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "it has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `its "${error.claim}" claim is wrong or missing (${error.reason})`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "its signature does not verify";
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return "no key of the chain's key set matches its kid and algorithm";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "its algorithm is not accepted";
  if (error instanceof errors.JWKSInvalid) return "the chain's key set could not be read";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return "it is not a well-formed signed JWT";
  }
  if (error instanceof errors.JOSENotSupported) return "its algorithm or key type is not supported";
  return "it could not be verified";
}
