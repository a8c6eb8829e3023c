/**
 * Order and event ids. An order placed with an idempotency key gets a
 * deterministic id, so every retry of it — even after Redis lost the booking —
 * names the same order, and the consumer's id table turns a second copy into a
 * no-op. The id is an HMAC of customer and key under a server-side secret
 * (ORDER_ID_SECRET): nobody without the secret can work out another
 * customer's order id from the customer id and a guessed key.
 */
import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";

/** Shortest secret accepted: 32 characters (at least 128 bits when random). */
export const MIN_ORDER_ID_SECRET_LENGTH = 32;

export type OrderIdFor = (customerId: string, idempotencyKey: string) => string;

/** Ids keyed with `secret`; without an idempotency key, a random id. */
export function orderIdsKeyedWith(secret: string): OrderIdFor {
  if (secret.length < MIN_ORDER_ID_SECRET_LENGTH) {
    throw new Error(
      `the order id secret must be at least ${MIN_ORDER_ID_SECRET_LENGTH} characters`,
    );
  }
  const hmac = hmacSha256(secret);
  return (customerId, idempotencyKey) =>
    idempotencyKey === ""
      ? crypto.randomUUID()
      : uuidOf(hmac(`${customerId.length}:${customerId}:${idempotencyKey}`));
}

/**
 * HMAC-SHA256 under one key (RFC 2104) with the key's inner and outer pads hashed once: each
 * message then costs two copies of a hash state instead of a new HMAC with its key set-up, which
 * was about twice as slow per order. Same bytes as createHmac("sha256", key).
 */
export function hmacSha256(key: string): (message: string) => Uint8Array {
  const BLOCK = 64;
  let k: Uint8Array = Buffer.from(key, "utf8");
  if (k.length > BLOCK) k = createHash("sha256").update(k).digest();
  const pad = (byte: number) => Uint8Array.from({ length: BLOCK }, (_, i) => (k[i] ?? 0) ^ byte);
  const inner: Hash = createHash("sha256").update(pad(0x36));
  const outer: Hash = createHash("sha256").update(pad(0x5c));
  return (message) => outer.copy().update(inner.copy().update(message).digest()).digest();
}

/** A UUID (version 8: vendor-defined) made of the first 16 bytes of `digest`. */
function uuidOf(digest: Uint8Array): string {
  const b = digest.slice(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Buffer.from(b.buffer, b.byteOffset, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** A short hash of a canonical request text (domain/order_fingerprint.ts). */
export function fingerprintOf(canonical: string): string {
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 22);
}

export function newEventId(): string {
  return crypto.randomUUID();
}
