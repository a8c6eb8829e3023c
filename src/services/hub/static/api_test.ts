import assert from "node:assert/strict";
import { ApiError, createApi } from "./api.js";

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

function fakeFetch(status: number, body: unknown, calls: Call[]): typeof fetch {
  return ((url: URL, init: RequestInit) => {
    calls.push({
      url: String(url),
      method: String(init.method),
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    });
    return Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), { status }),
    );
  }) as unknown as typeof fetch;
}

Deno.test("`createApi()` sends JSON with the bearer token under api/v1/erp next to the page", async () => {
  const calls: Call[] = [];
  const api = createApi({
    base: "http://hub:8080/",
    token: () => "t0k",
    fetchImpl: fakeFetch(202, { order: { id: "x" } }, calls),
  });
  assert.deepEqual(await api.setStatus("a/b", "preparing"), { order: { id: "x" } });
  assert.equal(calls[0].url, "http://hub:8080/api/v1/erp/orders/a%2Fb/status");
  assert.equal(calls[0].method, "PUT");
  assert.equal(calls[0].headers.Authorization, "Bearer t0k");
  assert.equal(calls[0].headers["Content-Type"], "application/json");
  assert.equal(calls[0].body, '{"status":"preparing"}');
});

Deno.test("`createApi()` sends no Authorization header, when no token is stored", async () => {
  const calls: Call[] = [];
  const api = createApi({
    base: "http://hub/",
    token: () => undefined,
    fetchImpl: fakeFetch(200, {}, calls),
  });
  await api.menu();
  assert.equal(calls[0].headers.Authorization, undefined);
  assert.equal(calls[0].method, "GET");
});

Deno.test("`createApi()` throws the hub's error with its field errors, when the answer is 400", async () => {
  const body = {
    error: {
      code: "invalid",
      message: "bad config",
      fields: [{ field: "capacity", reason: "must be positive" }],
    },
  };
  const api = createApi({
    base: "http://hub/",
    token: () => undefined,
    fetchImpl: fakeFetch(400, body, []),
  });
  const error = await api.saveKitchen("main", {}).catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 400);
  assert.equal(error.code, "invalid");
  assert.deepEqual(error.fields, [{ field: "capacity", reason: "must be positive" }]);
  assert.equal(error.accessDenied, false);
});

Deno.test("`createApi()` marks 401 and 403 as access denied", async () => {
  for (const status of [401, 403]) {
    const api = createApi({
      base: "http://hub/",
      token: () => "x",
      fetchImpl: fakeFetch(status, undefined, []),
    });
    const error = await api.kitchens().catch((e) => e);
    assert.equal(error.accessDenied, true, String(status));
    assert.equal(error.code, `http_${status}`);
  }
});

Deno.test("`createApi()` reports status 0, when the hub cannot be reached", async () => {
  const api = createApi({
    base: "http://hub/",
    token: () => undefined,
    fetchImpl: (() =>
      Promise.reject(new TypeError("connection refused"))) as unknown as typeof fetch,
  });
  const error = await api.menu().catch((e) => e);
  assert.equal(error.status, 0);
  assert.equal(error.code, "network");
});
