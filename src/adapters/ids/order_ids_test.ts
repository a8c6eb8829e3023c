import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { fingerprintOf, hmacSha256, orderIdsKeyedWith } from "./order_ids.ts";

const SECRET = "a-secret-of-at-least-thirty-two-characters";
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

Deno.test("order ids: the same customer and key give the same id, anything else another", () => {
  const idFor = orderIdsKeyedWith(SECRET);
  const id = idFor("12345", "key-1");
  assert.match(id, UUID_V8);
  assert.equal(idFor("12345", "key-1"), id);
  assert.notEqual(idFor("12346", "key-1"), id);
  assert.notEqual(idFor("12345", "key-2"), id);
  // The separator cannot be shifted between customer and key.
  assert.notEqual(idFor("1", "2:x"), idFor("1:2", "x"));
});

Deno.test("order ids: another secret gives other ids, so the source alone cannot compute them", () => {
  const ours = orderIdsKeyedWith(SECRET);
  const theirs = orderIdsKeyedWith(`${SECRET}-guessed`);
  assert.notEqual(theirs("12345", "key-1"), ours("12345", "key-1"));
});

Deno.test("order ids: without a key each order gets a fresh random id", () => {
  const idFor = orderIdsKeyedWith(SECRET);
  assert.notEqual(idFor("12345", ""), idFor("12345", ""));
});

Deno.test("order ids: a short secret is refused", () => {
  assert.throws(() => orderIdsKeyedWith("short"), /at least 32 characters/);
});

Deno.test("fingerprints: equal texts, equal fingerprints; 22 URL-safe characters", () => {
  assert.equal(fingerprintOf("a"), fingerprintOf("a"));
  assert.notEqual(fingerprintOf("a"), fingerprintOf("b"));
  assert.match(fingerprintOf("a"), /^[A-Za-z0-9_-]{22}$/);
});

Deno.test("the precomputed HMAC gives createHmac's bytes (ids stay what they were), any key length", () => {
  for (const key of [SECRET, "ключ-".repeat(20), "k".repeat(64), "k".repeat(65)]) {
    const hmac = hmacSha256(key);
    for (const message of ["", "5:12345:key-1", "7:1000000:Иван-ключ", "x".repeat(200)]) {
      assert.deepEqual(
        Buffer.from(hmac(message)),
        createHmac("sha256", key).update(message).digest(),
        `${key.length}-char key, ${message.length}-char message`,
      );
    }
  }
});

Deno.test("order ids: an id from this build equals the id the HMAC of customer and key names", () => {
  // A retry across a rolling upgrade must name the same order: the id is fixed by its definition.
  const digest = createHmac("sha256", SECRET).update("5:12345:key-1").digest();
  const hex = Buffer.from(digest.subarray(0, 16)).toString("hex");
  const id = orderIdsKeyedWith(SECRET)("12345", "key-1");
  assert.equal(id.replaceAll("-", "").slice(0, 12), hex.slice(0, 12));
  assert.equal(id.replaceAll("-", "").slice(20), hex.slice(20));
});
