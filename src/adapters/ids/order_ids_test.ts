import assert from "node:assert/strict";
import { fingerprintOf, orderIdsKeyedWith } from "./order_ids.ts";

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
