import assert from "node:assert/strict";
import { Metadata } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { CustomerMismatchError, UnauthenticatedError } from "../../domain/errors.ts";
import {
  CallerIdentity,
  type CallTransport,
  type CustomerAuthSettings,
} from "./caller_identity.ts";

const TOKENS = {
  customerOf: (token: string) =>
    token === "good-token" ? Promise.resolve("12345") : Promise.reject(
      new UnauthenticatedError("the customer token is not accepted: its signature does not verify"),
    ),
};

function call(
  headers: Record<string, string | string[]> = {},
  peer = "203.0.113.7:50000",
  certificateCn?: string,
): CallTransport {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) {
    for (const value of [v].flat()) metadata.add(k, value);
  }
  return {
    metadata,
    getPeer: () => peer,
    getAuthContext: () =>
      certificateCn
        ? {
          sslPeerCertificate: { subject: { CN: certificateCn, O: "Ovenline" } } as PeerCertificate,
        }
        : {},
  };
}

function identity(settings: Partial<CustomerAuthSettings> = {}) {
  return new CallerIdentity({
    tokens: TOKENS,
    trustedBackends: [],
    anonymous: false,
    trustedProxies: [],
    ...settings,
  });
}

Deno.test("a customer token names the customer; the peer and connection come from TCP", async () => {
  const who = await identity().identify(call({ authorization: "Bearer good-token" }));
  assert.deepEqual(who, {
    customerId: "12345",
    peer: "203.0.113.7",
    connection: "203.0.113.7:50000",
    via: "token",
  });
  const v6 = await identity().identify(call({ authorization: "bearer good-token" }, "::1:4000"));
  assert.equal(v6.peer, "::1");
  const mapped = await identity().identify(
    call({ authorization: "Bearer good-token" }, "::ffff:10.1.2.3:4000"),
  );
  assert.equal(mapped.peer, "10.1.2.3");
});

Deno.test("no token, a bad one or a malformed header is UNAUTHENTICATED; anonymous mode lets it by", async () => {
  const refused = async (c: CallTransport, reason: RegExp, settings = {}) =>
    await assert.rejects(identity(settings).identify(c), (e) => {
      assert.ok(e instanceof UnauthenticatedError);
      assert.match(e.message, reason);
      return true;
    });
  await refused(call(), /a customer token is required/);
  await refused(call({ authorization: "Bearer forged" }), /signature does not verify/);
  await refused(call({ authorization: "Basic dXNlcjpwYXNz" }), /must be "Bearer <customer token>"/);
  await refused(call({ authorization: "Bearer " }), /must be "Bearer/);
  await refused(call(), /only trusted backends-for-frontend/, { tokens: undefined });
  await refused(call({ authorization: "Bearer x" }), /does not accept customer tokens/, {
    tokens: undefined,
    anonymous: true,
  });
  const anonymous = await identity({ anonymous: true }).identify(call());
  assert.deepEqual(anonymous, {
    peer: "203.0.113.7",
    connection: "203.0.113.7:50000",
    via: "anonymous",
  });
  // A token is still checked in anonymous mode: it is no way around the check.
  await refused(call({ authorization: "Bearer forged" }), /signature/, { anonymous: true });
});

Deno.test("a trusted backend-for-frontend names the customer; nobody else may", async () => {
  const trusted = identity({ trustedBackends: ["bff.ovenline"] });
  const who = await trusted.identify(call({ "customer-id": "777" }, "10.0.0.5:1", "bff.ovenline"));
  assert.deepEqual(who, {
    customerId: "777",
    via: "backend",
    peer: undefined,
    connection: undefined,
  });
  // The whole subject is accepted as well as the CN.
  const bySubject = identity({ trustedBackends: ["CN=bff.ovenline,O=Ovenline"] });
  assert.equal(
    (await bySubject.identify(call({ "customer-id": "1" }, "10.0.0.5:1", "bff.ovenline")))
      .customerId,
    "1",
  );
  // A certificate not on the list is just TLS: its customer-id is refused.
  await assert.rejects(
    trusted.identify(call({ "customer-id": "777" }, "10.0.0.5:1", "other-app")),
    CustomerMismatchError,
  );
  await assert.rejects(trusted.identify(call({ "customer-id": "777" })), CustomerMismatchError);
  for (const bad of ["0", "-1", "abc", "9223372036854775808", ""]) {
    await assert.rejects(
      trusted.identify(call({ "customer-id": bad }, "10.0.0.5:1", "bff.ovenline")),
      /customer-id metadata must be a customer id/,
      bad,
    );
  }
  await assert.rejects(
    trusted.identify(call({}, "10.0.0.5:1", "bff.ovenline")),
    /names the customer in the customer-id metadata/,
  );
  // It may forward a customer's token instead.
  const forwarded = await trusted.identify(
    call({ authorization: "Bearer good-token" }, "10.0.0.5:1", "bff.ovenline"),
  );
  assert.equal(forwarded.customerId, "12345");
});

Deno.test("x-forwarded-for counts only from a trusted proxy, and only its last untrusted hop", () => {
  const proxied = identity({ trustedProxies: ["10.0.0.0/8", "fd00::/8"] });
  // From a trusted proxy: the address it received the call from.
  assert.deepEqual(
    proxied.whereFrom(call({ "x-forwarded-for": "198.51.100.1, 203.0.113.9" }, "10.1.1.1:443")),
    { peer: "203.0.113.9", backend: false },
  );
  // Hops added by other trusted proxies are skipped; a spoofed first entry is not reached.
  assert.equal(
    proxied.whereFrom(
      call({ "x-forwarded-for": ["6.6.6.6, 203.0.113.9", "10.2.2.2"] }, "10.1.1.1:1"),
    )
      .peer,
    "203.0.113.9",
  );
  // Nothing said, or garbage: no per-peer key (the proxy's own limits apply).
  assert.equal(proxied.whereFrom(call({}, "10.1.1.1:1")).peer, undefined);
  assert.equal(
    proxied.whereFrom(call({ "x-forwarded-for": "unknown" }, "10.1.1.1:1")).peer,
    undefined,
  );
  // From anyone else the header is ignored: spoofing it changes nothing.
  assert.deepEqual(
    proxied.whereFrom(call({ "x-forwarded-for": "198.51.100.1" }, "203.0.113.7:5")),
    { peer: "203.0.113.7", connection: "203.0.113.7:5", backend: false },
  );
  assert.equal(
    identity().whereFrom(call({ "x-forwarded-for": "198.51.100.1" }, "10.1.1.1:5")).peer,
    "10.1.1.1",
  );
  assert.throws(() => identity({ trustedProxies: ["not-an-address/8"] }), /not a CIDR/);
});
