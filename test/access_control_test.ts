/**
 * Access control and secrets on real services: the hub's REST API and both
 * WebSockets need a bearer token (checked before any upgrade), roles decide
 * what a caller may change, CORS lets only the listed origins in, tokens and
 * personal data never reach a log, CreateOrder is rate-limited per customer
 * id and per phone, requests past the size limits are refused, gRPC serves
 * TLS and mutual TLS, and Redis and PostgreSQL passwords come from the
 * environment (a wrong one gets nowhere).
 */
import assert from "node:assert/strict";
import { credentials } from "@grpc/grpc-js";
import { sign } from "hono/jwt";
import pg from "pg";
import { Redis } from "ioredis";
import { signToken } from "../src/adapters/http/bearer_tokens.ts";
import { Code, expectGrpcError, OrderApi, seedExampleRequest } from "./support/grpc_client.ts";
import { infraSetting } from "./support/infra.ts";
import { testKitchen } from "./support/kitchens.ts";
import { processAlive, waitForOrder } from "./support/observe.ts";
import { freePort } from "./support/ports.ts";
import { RawWebSocket } from "./support/raw_http.ts";
import { ServiceProcess } from "./support/service_process.ts";
import { type GrpcClientSettings, TestStack } from "./support/stack.ts";
import { stateDifferences, systemState } from "./support/state_snapshot.ts";
import { createTestPki } from "./support/tls_certs.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

const LISTED_ORIGIN = "https://erp.example";
const SECRET_PHONE = "+79991234567";
const SECRET_ADDRESS = "ул. Секретная, д. 7";

type Role = "viewer" | "kitchen" | "manager";

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Every log line the stack's services wrote. */
async function stackLogs(stack: TestStack): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  for await (const entry of Deno.readDir(stack.logDir)) {
    if (entry.isFile) {
      logs.set(entry.name, await Deno.readTextFile(`${stack.logDir}/${entry.name}`));
    }
  }
  return logs;
}

async function assertNotLogged(stack: TestStack, secrets: Record<string, string>): Promise<void> {
  const logs = await stackLogs(stack);
  assert(logs.size > 0, "the stack wrote logs");
  for (const [file, text] of logs) {
    for (const [what, secret] of Object.entries(secrets)) {
      assert(!text.includes(secret), `${what} appears in ${stack.logDir}/${file}`);
    }
  }
}

Deno.test("access control: tokens, roles, CORS, rate limits, size limits; no token or personal data in logs", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("access_control", {
    kitchens: [kitchen],
    services: ["consumer", "intake", "hub"],
    env: {
      CORS_ORIGINS: LISTED_ORIGIN,
      RATE_LIMIT_ORDERS: "3",
      RATE_LIMIT_WINDOW_S: "60",
      LOG_LEVEL: "debug", // the most the services ever log
    },
  });
  const api = `${stack.hubUrl}/api/v1/erp`;
  const secret = stack.env.AUTH_JWT_SECRET;
  const call = async (
    method: string,
    path: string,
    opts: { body?: unknown; role?: Role; authorization?: string | null; origin?: string } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.origin) headers.origin = opts.origin;
    if (opts.authorization !== undefined) {
      if (opts.authorization !== null) headers.authorization = opts.authorization;
    } else headers.authorization = `Bearer ${stack.tokens[opts.role ?? "manager"]}`;
    const res = await fetch(`${api}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch { /* kept as text */ }
    return { status: res.status, headers: res.headers, body };
  };
  let customer = 10_000;
  /** A valid order of its own customer and phone (the rate limit is 3 per customer and phone). */
  const placeOrder = async () => {
    customer++;
    return await stack.api.createOrder(seedExampleRequest({
      kitchenId: kitchen.id,
      customerId: String(customer),
      customerPhone: `+7900555${String(customer).padStart(4, "0")}`,
    }));
  };

  // Tokens a caller might present that must not get in.
  const now = Math.floor(Date.now() / 1000);
  const authority = stack.authority;
  const kid = authority.signingKeyId;
  const claims = (o: Record<string, unknown>) => ({
    iss: authority.issuer,
    aud: authority.audience,
    sub: "x",
    role: "manager",
    iat: now,
    exp: now + 3600,
    ...o,
  });
  const forged = (o: Record<string, unknown>) => signToken(authority, kid, claims(o));
  const otherKey = { keys: new Map([[kid, "somebody-elses-signing-key-0123456789abcdef"]]) };
  const viewerParts = stack.tokens.viewer.split(".");
  const badTokens: Record<string, string> = {
    "garbage": "not-a-jwt",
    "three dots of nothing": "a.b.c",
    "signed with another key": await signToken(otherKey, kid, claims({ sub: "mallory" })),
    "expired": await forged({ iat: now - 86_400, exp: now - 86_400 + 60 }),
    "issued in the future": await forged({ iat: now + 3600, exp: now + 7200 }),
    "not before an hour from now": await forged({ nbf: now + 3600 }),
    "alg none": `${b64url({ alg: "none", typ: "JWT", kid })}.${b64url(claims({}))}.`,
    "HS512 instead of HS256": await sign(claims({}), stack.env.AUTH_JWT_SECRET, "HS512"),
    "a viewer's token with the role changed": `${viewerParts[0]}.${
      b64url(claims({ sub: "test-viewer" }))
    }.${viewerParts[2]}`,
    "role admin": await forged({ role: "admin" }),
    "no role": await forged({ role: undefined }),
    "role as a number": await forged({ role: 2 }),
    "role as a list": await forged({ role: ["manager"] }),
    // Finding 4: every token expires, within the cap, names a known key, and is meant for the hub.
    "no exp": await forged({ exp: undefined }),
    "expiring in 10 years": await forged({ exp: now + 10 * 365 * 86_400 }),
    "living 13 hours": await forged({ exp: now + 13 * 3600 }),
    "no kid": await sign(claims({}), stack.env.AUTH_JWT_SECRET, "HS256"),
    "an unknown kid": await signToken(
      { keys: new Map([["k9", stack.env.AUTH_JWT_SECRET]]) },
      "k9",
      claims({}),
    ),
    "another issuer": await forged({ iss: "someone-else" }),
    "another audience": await forged({ aud: "another-service" }),
    "no audience": await forged({ aud: undefined }),
  };
  const badAuthorizations: Record<string, string | null> = {
    "no Authorization header": null,
    "Bearer and nothing": "Bearer ",
    "Basic credentials": "Basic dXNlcjpwYXNz",
    "the token without Bearer": stack.tokens.manager,
    ...Object.fromEntries(Object.entries(badTokens).map(([k, v]) => [k, `Bearer ${v}`])),
  };
  const expect401 = (a: Answer, what: string) => {
    assert.equal(a.status, 401, `${what}: ${JSON.stringify(a.body)}`);
    assert.equal(a.headers.get("www-authenticate"), 'Bearer realm="ovenline"', what);
    assert.equal(a.body.error.code, "unauthenticated", what);
    assert.match(a.body.error.message, /token/, what);
  };
  const expect403 = (a: Answer, needed: Role, what: string) => {
    assert.equal(a.status, 403, `${what}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.error.code, "forbidden", what);
    assert.equal(a.body.error.needed, needed, what);
  };

  try {
    const order = await placeOrder();
    await waitForOrder(stack, order.orderId);
    const endpoints: [string, string, unknown?][] = [
      ["GET", `/orders/active?kitchen=${kitchen.id}`],
      ["GET", `/orders/scheduled?kitchen=${kitchen.id}`],
      ["GET", `/orders/${order.orderId}`],
      ["GET", `/slots?kitchen=${kitchen.id}`],
      ["GET", "/kitchens"],
      ["GET", `/kitchens/${kitchen.id}`],
      ["GET", "/menu"],
      ["PUT", `/orders/${order.orderId}/status`, { status: "preparing" }],
      ["POST", `/orders/${order.orderId}/cancel`, {}],
      ["PUT", `/kitchens/${kitchen.id}`, { ...kitchen, id: undefined }],
      ["PUT", "/menu/pizzas/classic", { available: true }],
      ["PUT", "/menu/extras/bacon", { available: true }],
    ];

    await t.step(
      "REST: no token, a bad token or a token without a valid role gets 401 with WWW-Authenticate",
      async () => {
        const before = await systemState(stack);
        for (const [method, path, body] of endpoints) {
          for (const [what, authorization] of Object.entries(badAuthorizations)) {
            expect401(
              await call(method, path, { body, authorization }),
              `${method} ${path}: ${what}`,
            );
          }
          // The token belongs in the header, not in the URL.
          const inQuery = `${path}${
            path.includes("?") ? "&" : "?"
          }access_token=${stack.tokens.manager}`;
          expect401(
            await call(method, inQuery, { body, authorization: null }),
            `${method} ${path}: token in the query`,
          );
        }
        assert.deepEqual(
          stateDifferences(before, await systemState(stack)),
          [],
          "401s wrote nothing",
        );
      },
    );

    await t.step(
      "REST: a viewer reads, a kitchen moves orders along, a manager does everything",
      async () => {
        const before = await systemState(stack);
        // viewer: every read, no write
        for (const [method, path] of endpoints.filter(([m]) => m === "GET")) {
          for (const role of ["viewer", "kitchen", "manager"] as const) {
            const a = await call(method, path, { role });
            assert.equal(
              a.status,
              200,
              `${role} ${method} ${path}: ${JSON.stringify(a.body).slice(0, 200)}`,
            );
          }
        }
        const id = order.orderId;
        expect403(
          await call("PUT", `/orders/${id}/status`, {
            role: "viewer",
            body: { status: "preparing" },
          }),
          "kitchen",
          "viewer: status",
        );
        expect403(
          await call("PUT", `/orders/${id}/status`, {
            role: "viewer",
            body: { status: "cancelled" },
          }),
          "manager",
          "viewer: cancelled",
        );
        expect403(
          await call("POST", `/orders/${id}/cancel`, { role: "viewer", body: {} }),
          "manager",
          "viewer: cancel",
        );
        expect403(
          await call("PUT", `/kitchens/${kitchen.id}`, {
            role: "viewer",
            body: { ...kitchen, id: undefined },
          }),
          "manager",
          "viewer: kitchen",
        );
        expect403(
          await call("PUT", "/menu/pizzas/classic", { role: "viewer", body: { available: false } }),
          "manager",
          "viewer: menu",
        );
        // kitchen: no cancelling, no settings
        expect403(
          await call("PUT", `/orders/${id}/status`, {
            role: "kitchen",
            body: { status: "cancelled" },
          }),
          "manager",
          "kitchen: cancelled",
        );
        expect403(
          await call("POST", `/orders/${id}/cancel`, { role: "kitchen", body: {} }),
          "manager",
          "kitchen: cancel",
        );
        expect403(
          await call("PUT", `/kitchens/${kitchen.id}`, {
            role: "kitchen",
            body: { ...kitchen, id: undefined, capacity: 1 },
          }),
          "manager",
          "kitchen: kitchen",
        );
        expect403(
          await call("PUT", "/menu/pizzas/classic", { role: "kitchen", body: { priceKopecks: 1 } }),
          "manager",
          "kitchen: price",
        );
        expect403(
          await call("PUT", "/menu/extras/bacon", { role: "kitchen", body: { available: false } }),
          "manager",
          "kitchen: stop-list",
        );
        assert.deepEqual(
          stateDifferences(before, await systemState(stack)),
          [],
          "403s wrote nothing",
        );

        const preparing = await call("PUT", `/orders/${id}/status`, {
          role: "kitchen",
          body: { status: "preparing" },
        });
        assert.equal(preparing.status, 202, JSON.stringify(preparing.body));
        await waitFor(
          "preparing applied",
          async () =>
            (await call("GET", `/orders/${id}`, { role: "viewer" })).body.status === "preparing",
        );
        const cooking = await call("PUT", `/orders/${id}/status`, {
          role: "manager",
          body: { status: "cooking" },
        });
        assert.equal(cooking.status, 202, JSON.stringify(cooking.body));
        const other = await placeOrder();
        await waitForOrder(stack, other.orderId);
        const cancel = await call("POST", `/orders/${other.orderId}/cancel`, {
          role: "manager",
          body: { reason: "test" },
        });
        assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
        const config = await call("PUT", `/kitchens/${kitchen.id}`, {
          role: "manager",
          body: { ...kitchen, id: undefined },
        });
        assert.equal(config.status, 200, JSON.stringify(config.body));
        const menu = await call("PUT", "/menu/pizzas/classic", {
          role: "manager",
          body: { available: true },
        });
        assert.equal(menu.status, 200, JSON.stringify(menu.body));
        await waitFor(
          "cooking applied",
          async () => (await call("GET", `/orders/${id}`)).body.status === "cooking",
        );
        // The status history names who asked, from the token.
        const { rows } = await stack.pool.query<{ actor: string; to_status: string }>(
          "SELECT actor, to_status FROM order_status_history WHERE order_id = $1 ORDER BY occurred_at",
          [id],
        );
        assert.deepEqual(
          rows.slice(1).map((r) => `${r.to_status} by ${r.actor}`),
          [
            "preparing by kitchen:test-tablet",
            "cooking by manager:test-manager",
          ],
        );
      },
    );

    await t.step(
      "WebSockets: authenticated at the upgrade (401 before it), token as subprotocol, 'ovenline' selected",
      async () => {
        for (const channel of ["kds", "erp"]) {
          const path = `/ws/${channel}?kitchen=${kitchen.id}`;
          const refused: [string, Record<string, string>][] = [
            ["no token", {}],
            ["no token, only the ovenline subprotocol", { "Sec-WebSocket-Protocol": "ovenline" }],
            ["an empty bearer subprotocol", { "Sec-WebSocket-Protocol": "ovenline, bearer." }],
            ...Object.entries(badTokens).map(([what, token]) =>
              [`subprotocol token: ${what}`, {
                "Sec-WebSocket-Protocol": `ovenline, bearer.${token}`,
              }] as [string, Record<string, string>]
            ),
            ...Object.entries(badTokens).slice(0, 4).map(([what, token]) =>
              [`header token: ${what}`, { Authorization: `Bearer ${token}` }] as [
                string,
                Record<string, string>,
              ]
            ),
          ];
          for (const [what, headers] of refused) {
            const { answer, socket } = await RawWebSocket.open(stack.ports.hub, path, headers);
            socket?.close();
            assert.equal(answer.status, 401, `${channel} ${what}: ${answer.head.split("\r\n")[0]}`);
            assert.match(
              answer.head,
              /\r\nwww-authenticate: Bearer realm="ovenline"/i,
              `${channel} ${what}`,
            );
            assert.equal(
              JSON.parse(answer.body).error.code,
              "unauthenticated",
              `${channel} ${what}`,
            );
          }
          for (const role of ["viewer", "kitchen", "manager"] as const) {
            // As a browser must: the token in the subprotocol list, next to "ovenline".
            const socket = await TestSocket.open(
              `ws://127.0.0.1:${stack.ports.hub}${path}`,
              stack.tokens[role],
            );
            try {
              assert.equal(
                socket.socket.protocol,
                "ovenline",
                `${channel} ${role}: the subprotocol chosen`,
              );
              await socket.waitFor(
                `${channel} ${role} snapshot`,
                (r) => r.message.type === "snapshot",
              );
            } finally {
              await socket.close();
            }
            // The 101 answer names "ovenline" only: the token is not echoed back.
            const { answer, socket: raw } = await RawWebSocket.open(stack.ports.hub, path, {
              "Sec-WebSocket-Protocol": `ovenline, bearer.${stack.tokens[role]}`,
            });
            raw?.close();
            assert.equal(answer.status, 101, `${channel} ${role}`);
            assert.match(answer.head, /\r\nsec-websocket-protocol: ovenline(\r\n|$)/i);
            assert(!answer.head.includes(stack.tokens[role]), "the token is not echoed");
            // Non-browser clients may use the Authorization header instead.
            const byHeader = await RawWebSocket.open(stack.ports.hub, path, {
              Authorization: `Bearer ${stack.tokens[role]}`,
            });
            byHeader.socket?.close();
            assert.equal(byHeader.answer.status, 101, `${channel} ${role} by header`);
          }
        }
      },
    );

    await t.step("CORS: only the listed origin is allowed; preflights need no token", async () => {
      const preflight = async (
        origin: string,
        method = "PUT",
        path = `/orders/${order.orderId}/status`,
      ) => {
        const res = await fetch(`${api}${path}`, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": method,
            "access-control-request-headers": "authorization, content-type",
          },
        });
        await res.body?.cancel();
        return res;
      };
      for (
        const origin of [
          "https://evil.example",
          "null",
          "http://erp.example",
          "https://erp.example.evil.com",
          "https://sub.erp.example",
          "https://ERP.EXAMPLE:443x",
        ]
      ) {
        const res = await preflight(origin);
        assert.notEqual(res.status, 401, `${origin}: a preflight carries no token`);
        assert.equal(
          res.headers.get("access-control-allow-origin"),
          null,
          `${origin} is not allowed`,
        );
        const get = await call("GET", "/kitchens", { origin, role: "viewer" });
        assert.equal(get.status, 200);
        assert.equal(
          get.headers.get("access-control-allow-origin"),
          null,
          `${origin}: no CORS header on the answer`,
        );
      }
      const res = await preflight(LISTED_ORIGIN);
      assert(res.status === 204 || res.status === 200, `preflight: ${res.status}`);
      assert.equal(res.headers.get("access-control-allow-origin"), LISTED_ORIGIN);
      const methods = (res.headers.get("access-control-allow-methods") ?? "").split(",").map((m) =>
        m.trim()
      );
      assert.deepEqual(methods.sort(), ["GET", "POST", "PUT"]);
      const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
      assert.match(allowed, /authorization/);
      assert.match(allowed, /content-type/);
      assert.equal(
        res.headers.get("access-control-allow-credentials"),
        null,
        "no cookies: tokens only",
      );
      const get = await call("GET", "/kitchens", { origin: LISTED_ORIGIN, role: "viewer" });
      assert.equal(get.headers.get("access-control-allow-origin"), LISTED_ORIGIN);
      assert.match(get.headers.get("vary") ?? "", /origin/i);
      // A listed origin still needs a token.
      expect401(
        await call("GET", "/kitchens", { origin: LISTED_ORIGIN, authorization: null }),
        "listed origin without a token",
      );
    });

    await t.step(
      "CreateOrder: the 4th order of a customer, and then of another customer with the same phone, is RESOURCE_EXHAUSTED with retry info; it writes nothing",
      async () => {
        const phone = "+79005550099";
        const request = (customerId: string, n: number) =>
          seedExampleRequest({
            kitchenId: kitchen.id,
            customerId,
            customerPhone: phone,
            idempotencyKey: `rl-${customerId}-${n}`,
          });
        let third = "";
        for (let n = 1; n <= 3; n++) {
          third = (await stack.api.createOrder(request("555001", n))).orderId;
        }
        await waitForOrder(stack, third);
        const before = await systemState(stack);
        const started = Date.now();
        const byCustomer = await expectGrpcError(stack.api.createOrder(request("555001", 4)));
        assert.equal(byCustomer.code, Code.RESOURCE_EXHAUSTED, byCustomer.message);
        assert.equal(byCustomer.errorInfo?.reason, "RATE_LIMITED");
        assert.equal(byCustomer.errorInfo?.metadata.subject, "customer");
        assert(
          byCustomer.retryDelayMs! > 0 && byCustomer.retryDelayMs! <= 60_000,
          `retry in ${byCustomer.retryDelayMs} ms`,
        );
        assert.match(byCustomer.message, /too many orders for this customer; retry in \d+ s/);
        // Another account, the same phone: its first order is the phone's 4th.
        const byPhone = await expectGrpcError(stack.api.createOrder(request("555002", 1)));
        assert.equal(byPhone.code, Code.RESOURCE_EXHAUSTED, byPhone.message);
        assert.equal(byPhone.errorInfo?.reason, "RATE_LIMITED");
        assert.equal(byPhone.errorInfo?.metadata.subject, "phone");
        assert(
          byPhone.retryDelayMs! > 0 &&
            byPhone.retryDelayMs! <= 60_000 - (Date.now() - started) + 1000,
        );
        // The phone as the national form of the same number is the same phone.
        const national = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
          kitchenId: kitchen.id,
          customerId: "555003",
          customerPhone: "8 (900) 555-00-99",
        })));
        assert.equal(national.errorInfo?.metadata.subject, "phone");
        // Refused: no reservation, no record, nothing in Kafka (only the counters moved).
        assert.deepEqual(stateDifferences(before, await systemState(stack)), []);
        assert((await stack.redisKeys("ratelimit:*")).length >= 2, "the counters are in Redis");
        // A retry of an accepted (and applied) order, same idempotency key, is not a new order.
        const retried = await stack.api.createOrder(request("555001", 3));
        assert.equal(retried.orderId, third);
      },
    );

    await t.step(
      "size limits: a gRPC request past 64 KiB is RESOURCE_EXHAUSTED, a REST body past 64 KiB is 413",
      async () => {
        const before = await systemState(stack);
        const big = await expectGrpcError(stack.api.createOrder(seedExampleRequest({
          kitchenId: kitchen.id,
          customerFirstName: "я".repeat(40_000),
        })));
        assert.equal(big.code, Code.RESOURCE_EXHAUSTED);
        assert.match(big.message, /larger than max \(\d+ vs 65536\)/);
        const res = await call("PUT", `/kitchens/${kitchen.id}`, {
          body: { ...kitchen, id: undefined, displayName: "x".repeat(70_000) },
        });
        assert.equal(res.status, 413);
        assert.equal(res.body.error.code, "too_large");
        assert.deepEqual(stateDifferences(before, await systemState(stack)), []);
      },
    );

    await t.step("logs: phone numbers and addresses masked, no token, no signing key", async () => {
      const secretOrder = await stack.api.createOrder(seedExampleRequest({
        kitchenId: kitchen.id,
        customerId: "4242",
        customerPhone: SECRET_PHONE,
        deliveryAddress: SECRET_ADDRESS,
      }));
      await waitForOrder(stack, secretOrder.orderId);
      // Through every service that handles it: status changes, a cancel, reads, a watch.
      assert.equal(
        (await call("PUT", `/orders/${secretOrder.orderId}/status`, {
          role: "kitchen",
          body: { status: "preparing" },
        })).status,
        202,
      );
      await waitFor(
        "preparing",
        async () =>
          (await call("GET", `/orders/${secretOrder.orderId}`)).body.status === "preparing",
      );
      assert.equal(
        (await call("POST", `/orders/${secretOrder.orderId}/cancel`, { body: { reason: "test" } }))
          .status,
        202,
      );
      await waitFor(
        "cancelled",
        async () =>
          (await call("GET", `/orders/${secretOrder.orderId}`)).body.status === "cancelled",
      );
      await stack.api.getOrder({ orderId: secretOrder.orderId });
      // Refusals that carry the same data.
      await expectGrpcError(
        stack.api.createOrder(
          seedExampleRequest({
            kitchenId: kitchen.id,
            customerId: "4242",
            customerPhone: SECRET_PHONE,
            deliveryAddress: SECRET_ADDRESS,
            customerFirstName: "",
          }),
        ),
      );
      await expectGrpcError(
        stack.api.createOrder(
          seedExampleRequest({
            kitchenId: kitchen.id,
            customerId: "4243",
            customerPhone: SECRET_PHONE,
            deliveryAddress: SECRET_ADDRESS,
            pizzaName: "Нет такой",
          }),
        ),
      );
      await new Promise((r) => setTimeout(r, 500)); // the last lines reach the files
      const logs = await stackLogs(stack);
      const intake = logs.get("intake.log") ?? "";
      assert(intake.includes("+799******67"), "intake logs the accepted order's phone, masked");
      assert(intake.includes("ул. ***"), "intake logs the accepted order's address, masked");
      await assertNotLogged(stack, {
        "the phone": SECRET_PHONE.slice(1),
        "the street": "Секретная",
        "the signing key": secret,
        "the viewer token": stack.tokens.viewer,
        "the kitchen token": stack.tokens.kitchen,
        "the manager token": stack.tokens.manager,
        "a JWT": "eyJhbGciOi",
        ...Object.fromEntries(
          Object.entries(badTokens).filter(([, v]) => v.length > 20).map((
            [k, v],
          ) => [`bad token (${k})`, v]),
        ),
      });
    });

    await t.step("every process is still up", async () => {
      for (const name of ["intake", "consumer", "hub"] as const) {
        assert(await processAlive(stack.service(name).pid!), `${name} is alive`);
      }
    });
  } finally {
    await stack.close();
  }
});

Deno.test("gRPC TLS and mutual TLS: the right certificates get in, everything else fails the handshake", async (t) => {
  const pki = await createTestPki();
  const kitchen = testKitchen();
  // Deno's TLS client takes no IP address as the server name: verify the certificate's "localhost".
  const options = { "grpc.ssl_target_name_override": "localhost" };
  const tlsClient = (cert?: "ours" | "other"): GrpcClientSettings => ({
    credentials: cert === undefined
      ? credentials.createSsl(pki.read(pki.caCert))
      : credentials.createSsl(
        pki.read(pki.caCert),
        pki.read(cert === "ours" ? pki.clientKey : pki.otherClientKey),
        pki.read(cert === "ours" ? pki.clientCert : pki.otherClientCert),
      ),
    options,
  });
  /** A call from `client` to the stack's intake: its error code, or OK. */
  const outcome = async (stack: TestStack, client: GrpcClientSettings): Promise<string> => {
    const api = new OrderApi(`127.0.0.1:${stack.ports.grpc}`, client, stack.customers);
    try {
      await api.createOrder(
        seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey: crypto.randomUUID() }),
        5_000,
      );
      return "OK";
    } catch (error) {
      return Code[(error as { code: number }).code];
    } finally {
      api.close();
    }
  };
  const plaintext = { credentials: credentials.createInsecure() };
  const systemRoots = { credentials: credentials.createSsl(), options };
  try {
    await t.step(
      "TLS: a client trusting the CA succeeds; plaintext and untrusting clients fail",
      async () => {
        const stack = await TestStack.start("grpc_tls", {
          kitchens: [kitchen],
          env: { GRPC_TLS_CERT_FILE: pki.serverCert, GRPC_TLS_KEY_FILE: pki.serverKey },
          grpcClient: tlsClient(), // readiness probes over TLS too
        });
        try {
          assert.equal(await outcome(stack, tlsClient()), "OK");
          assert.equal(
            await outcome(stack, tlsClient("ours")),
            "OK",
            "a client certificate is not needed, nor refused",
          );
          assert.equal(await outcome(stack, plaintext), "UNAVAILABLE");
          assert.equal(
            await outcome(stack, systemRoots),
            "UNAVAILABLE",
            "the server's CA is not a public one",
          );
          assert(await processAlive(stack.service("intake").pid!));
          assert.equal(
            await outcome(stack, tlsClient()),
            "OK",
            "still serving after failed handshakes",
          );
        } finally {
          await stack.close();
        }
      },
    );

    await t.step(
      "mutual TLS: a client certificate from the CA succeeds; none, or one from another CA, fails the handshake",
      async () => {
        const stack = await TestStack.start("grpc_mtls", {
          kitchens: [kitchen],
          env: {
            GRPC_TLS_CERT_FILE: pki.serverCert,
            GRPC_TLS_KEY_FILE: pki.serverKey,
            GRPC_TLS_CLIENT_CA_FILE: pki.caCert,
          },
          grpcClient: tlsClient("ours"),
        });
        try {
          assert.equal(await outcome(stack, tlsClient("ours")), "OK");
          assert.equal(await outcome(stack, tlsClient()), "UNAVAILABLE", "no client certificate");
          assert.equal(
            await outcome(stack, tlsClient("other")),
            "UNAVAILABLE",
            "a certificate from another CA",
          );
          assert.equal(await outcome(stack, plaintext), "UNAVAILABLE");
          assert(await processAlive(stack.service("intake").pid!));
          assert.equal(
            await outcome(stack, tlsClient("ours")),
            "OK",
            "still serving after failed handshakes",
          );
        } finally {
          await stack.close();
        }
      },
    );
  } finally {
    await pki.remove();
  }
});

Deno.test("passwords from the environment: Redis with requirepass, PostgreSQL with a wrong password", async (t) => {
  await t.step(
    "PostgreSQL refuses a wrong password and a missing one (SCRAM over TCP)",
    async () => {
      const url = new URL(infraSetting("DATABASE_URL"));
      const attempt = async (password: string | null) => {
        const u = new URL(url);
        if (password === null) u.password = "";
        else u.password = password;
        const client = new pg.Client({
          connectionString: u.toString(),
          connectionTimeoutMillis: 3000,
        });
        try {
          await client.connect();
          await client.query("SELECT 1");
          return "connected";
        } catch (error) {
          return (error as { code?: string; message: string }).code ?? (error as Error).message;
        } finally {
          await client.end().catch(() => {});
        }
      };
      assert.equal(await attempt(url.password), "connected");
      assert.equal(await attempt("not-the-password"), "28P01"); // invalid_password
      assert.notEqual(await attempt(null), "connected");
    },
  );

  await t.step(
    "services reach a Redis with requirepass through REDIS_PASSWORD; a wrong one never gets ready",
    async () => {
      const port = freePort();
      const password = `redis-pass-${crypto.randomUUID()}`;
      const redisServer = new Deno.Command("redis-server", {
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--requirepass",
          password,
          "--save",
          "",
          "--appendonly",
          "no",
          "--loglevel",
          "warning",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const kitchen = testKitchen();
      let stack: TestStack | undefined;
      try {
        const client = new Redis({
          port,
          host: "127.0.0.1",
          password,
          lazyConnect: true,
          maxRetriesPerRequest: 1,
        });
        client.on("error", () => {}); // refused until redis-server listens
        await waitFor("the private Redis", async () => {
          await client.connect().catch(() => {});
          return (await client.ping().catch(() => "")) === "PONG";
        });
        const anonymous = new Redis({
          port,
          host: "127.0.0.1",
          lazyConnect: true,
          maxRetriesPerRequest: 0,
        });
        anonymous.on("error", () => {});
        await anonymous.connect().catch(() => {});
        await assert.rejects(anonymous.get("x"), /NOAUTH/);
        anonymous.disconnect();

        stack = await TestStack.start("redis_password", {
          kitchens: [kitchen],
          env: { REDIS_URL: `redis://127.0.0.1:${port}/0`, REDIS_PASSWORD: password },
        });
        const order = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
        const s = stack;
        await waitFor(
          "the order in PostgreSQL",
          async () =>
            (await s.pool.query("SELECT 1 FROM orders WHERE id = $1", [order.orderId])).rowCount ===
              1,
          15_000,
        );
        // The consumer commits to PostgreSQL first and projects into Redis right after.
        await waitFor(
          "the consumer's write to the password-protected Redis",
          async () => (await client.exists(`erp:order:${order.orderId}`)) === 1,
          15_000,
        );
        assert((await client.keys(`slot:${kitchen.id}:*`)).length > 0, "intake booked there");

        const wrong = "not-the-redis-password-7f3a";
        const healthPort = freePort();
        const consumer = new ServiceProcess(
          "consumer",
          { ...stack.env, REDIS_PASSWORD: wrong, HEALTH_PORT: String(healthPort) },
          async () => {
            const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
            await res.body?.cancel();
            return res.ok;
          },
          stack.logDir,
          "consumer-wrong-password",
        );
        await assert.rejects(consumer.start(6_000), /not ready within 6000 ms/);
        await consumer.stop();
        await assertNotLogged(stack, {
          "the Redis password": password,
          "the wrong Redis password": wrong,
        });
        client.disconnect();
      } finally {
        await stack?.close();
        redisServer.kill("SIGTERM");
        await redisServer.status;
      }
    },
  );
});
