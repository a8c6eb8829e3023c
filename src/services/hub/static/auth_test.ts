import assert from "node:assert/strict";
import { authHeaders, socketProtocols, storedToken, takeTokenFromUrl, TOKEN_KEY } from "./auth.js";

function memoryStore() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

Deno.test("`takeTokenFromUrl()` stores ?token and returns the URL without it", () => {
  const store = memoryStore();
  const clean = takeTokenFromUrl("http://hub/kds?station=pizza&token=abc.def&lang=en", store);
  assert.equal(clean, "http://hub/kds?station=pizza&lang=en");
  assert.equal(storedToken(store), "abc.def");
  assert.equal(store.data.get(TOKEN_KEY), "abc.def");
});

Deno.test("`takeTokenFromUrl()` leaves everything alone, when the URL has no token", () => {
  const store = memoryStore();
  store.setItem(TOKEN_KEY, "kept");
  assert.equal(takeTokenFromUrl("http://hub/kds?station=pizza", store), undefined);
  assert.equal(storedToken(store), "kept");
});

Deno.test("`takeTokenFromUrl()` forgets the stored token, when ?token is empty", () => {
  const store = memoryStore();
  store.setItem(TOKEN_KEY, "old");
  assert.equal(takeTokenFromUrl("http://hub/erp?token=", store), "http://hub/erp");
  assert.equal(storedToken(store), undefined);
});

Deno.test("`authHeaders()` and `socketProtocols()` carry the token only when there is one", () => {
  assert.deepEqual(authHeaders("t0k"), { Authorization: "Bearer t0k" });
  assert.deepEqual(authHeaders(undefined), {});
  assert.deepEqual(socketProtocols("t0k"), ["ovenline", "bearer.t0k"]);
  assert.deepEqual(socketProtocols(undefined), ["ovenline"]);
});
