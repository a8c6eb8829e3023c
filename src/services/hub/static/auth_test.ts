import assert from "node:assert/strict";
import {
  authHeaders,
  renewAtMs,
  socketProtocols,
  storedToken,
  takeTokenFromUrl,
  TOKEN_KEY,
  TokenKeeper,
  tokenTimes,
} from "./auth.js";

function memoryStore() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

const b64 = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const tokenOf = (iat: number, exp: number) => `${b64({ alg: "HS256" })}.${b64({ iat, exp })}.sig`;

Deno.test("`takeTokenFromUrl()` stores #token and returns the URL without it", () => {
  const store = memoryStore();
  const clean = takeTokenFromUrl("http://hub/kds?station=pizza&lang=en#token=abc.def", store);
  assert.equal(clean, "http://hub/kds?station=pizza&lang=en");
  assert.equal(storedToken(store), "abc.def");
  assert.equal(store.data.get(TOKEN_KEY), "abc.def");
});

Deno.test("`takeTokenFromUrl()` drops a ?token without using it (it has reached the server already)", () => {
  const store = memoryStore();
  store.setItem(TOKEN_KEY, "kept");
  assert.equal(
    takeTokenFromUrl("http://hub/kds?token=leaked&station=pizza", store),
    "http://hub/kds?station=pizza",
  );
  assert.equal(storedToken(store), "kept");
});

Deno.test("`takeTokenFromUrl()` leaves everything alone, when the URL has no token", () => {
  const store = memoryStore();
  store.setItem(TOKEN_KEY, "kept");
  assert.equal(takeTokenFromUrl("http://hub/kds?station=pizza#x=1", store), undefined);
  assert.equal(storedToken(store), "kept");
});

Deno.test("`takeTokenFromUrl()` forgets the stored token, when #token is empty", () => {
  const store = memoryStore();
  store.setItem(TOKEN_KEY, "old");
  assert.equal(takeTokenFromUrl("http://hub/erp#token=", store), "http://hub/erp");
  assert.equal(storedToken(store), undefined);
});

Deno.test("`authHeaders()` and `socketProtocols()` carry the token only when there is one", () => {
  assert.deepEqual(authHeaders("t0k"), { Authorization: "Bearer t0k" });
  assert.deepEqual(authHeaders(undefined), {});
  assert.deepEqual(socketProtocols("t0k"), ["ovenline", "bearer.t0k"]);
  assert.deepEqual(socketProtocols(undefined), ["ovenline"]);
});

Deno.test("`tokenTimes()` reads iat and exp; `renewAtMs()` is half-life, a minute before expiry at the latest", () => {
  assert.deepEqual(tokenTimes(tokenOf(1000, 4600)), { issuedMs: 1_000_000, expiresMs: 4_600_000 });
  assert.equal(tokenTimes("garbage"), undefined);
  assert.equal(renewAtMs({ issuedMs: 0, expiresMs: 3_600_000 }, 0), 1_800_000);
  assert.equal(renewAtMs({ issuedMs: 0, expiresMs: 200_000 }, 0), 100_000);
  assert.equal(
    renewAtMs({ issuedMs: 0, expiresMs: 20_000 }, 0),
    10_000,
    "a short token at half-life",
  );
  assert.equal(renewAtMs({ issuedMs: 0, expiresMs: 20_000 }, 15_000), 15_000, "late: at once");
});

Deno.test("`TokenKeeper` renews before expiry, stores and hands on the fresh token, and stops when refused", async () => {
  const store = memoryStore();
  let now = 1_000_000;
  const scheduled: { fn: () => void; at: number }[] = [];
  const timers = {
    setTimeout: (fn: () => void, ms: number) => scheduled.push({ fn, at: now + ms }),
    now: () => now,
  };
  store.setItem(TOKEN_KEY, tokenOf(1000, 1000 + 3600));
  const handed: string[] = [];
  let answer: () => Promise<string> = () => Promise.resolve(tokenOf(2800, 2800 + 3600));
  const keeper = new TokenKeeper({
    store,
    renew: () => answer(),
    onRenewed: (t) => handed.push(t),
    timers,
  });
  keeper.start();
  assert.equal(scheduled.length, 1);
  assert.equal(scheduled[0].at, 1_000_000 + 1_800_000, "at half-life");
  now = scheduled[0].at;
  scheduled.shift()!.fn();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(handed, [tokenOf(2800, 6400)]);
  assert.equal(storedToken(store), tokenOf(2800, 6400));
  assert.equal(scheduled.length, 1, "the next renewal is scheduled");
  answer = () => Promise.reject(Object.assign(new Error("over"), { accessDenied: true }));
  now = scheduled[0].at;
  scheduled.shift()!.fn();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(scheduled.length, 0, "a refused renewal is not retried");
});
