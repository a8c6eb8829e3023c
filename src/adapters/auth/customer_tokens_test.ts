import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { DependencyUnavailableError, UnauthenticatedError } from "../../domain/errors.ts";
import {
  type CustomerTokenSettings,
  CustomerTokenVerifier,
  parseKeySet,
} from "./customer_tokens.ts";

const SETTINGS: CustomerTokenSettings = {
  issuer: "https://id.example",
  audience: "ovenline",
  algorithms: ["ES256", "RS256", "EdDSA"],
  customerClaim: "sub",
  maxLifetimeSeconds: 3600,
  clockSkewSeconds: 60,
};
const NOW = new Date("2026-12-01T10:00:00Z");
const nowS = NOW.getTime() / 1000;

async function keyPair(alg: string, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg };
  return { jwk, privateKey, kid, alg };
}

type Pair = Awaited<ReturnType<typeof keyPair>>;

function sign(pair: Pair, claims: Record<string, unknown> = {}, header = {}) {
  return new SignJWT({
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    sub: "12345",
    iat: nowS,
    exp: nowS + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: pair.alg, kid: pair.kid, ...header })
    .sign(pair.privateKey);
}

const es = await keyPair("ES256", "es-1");
const rs = await keyPair("RS256", "rs-1");
const ed = await keyPair("EdDSA", "ed-1");
const stranger = await keyPair("ES256", "es-1"); // same kid, another key

function verifier(clock = { now: () => NOW }, keys = [es.jwk, rs.jwk, ed.jwk]) {
  return CustomerTokenVerifier.ofKeySet({ keys }, SETTINGS, clock);
}

async function refused(v: CustomerTokenVerifier, token: string, reason: RegExp) {
  await assert.rejects(v.customerOf(token), (e) => {
    assert.ok(e instanceof UnauthenticatedError, String(e));
    assert.match(e.message, reason);
    return true;
  });
}

Deno.test("customer tokens: a token signed by a key of the set gives its subject as the customer", async () => {
  const v = verifier();
  for (const pair of [es, rs, ed]) assert.equal(await v.customerOf(await sign(pair)), "12345");
  assert.equal(
    await v.customerOf(await sign(es, { sub: "9223372036854775807" })),
    "9223372036854775807",
  );
});

Deno.test("customer tokens: forged, expired, foreign or malformed tokens are refused with the reason", async () => {
  const v = verifier();
  await refused(v, await sign(stranger), /signature does not verify/);
  await refused(v, await sign(es, {}, { kid: "unknown" }), /no key of the chain's key set/);
  await refused(v, await sign(es, { exp: nowS - 61 }), /expired/);
  await refused(v, await sign(es, { iss: "https://evil.example" }), /"iss" claim/);
  await refused(v, await sign(es, { aud: "another-app" }), /"aud" claim/);
  await refused(v, await sign(es, { exp: undefined }), /"exp" claim/);
  await refused(v, await sign(es, { nbf: nowS + 600 }), /"nbf" claim/);
  await refused(v, await sign(es, { exp: nowS + 7200 }), /lives longer than 3600 s/);
  for (const sub of ["0", "-5", "abc", "12345678901234567890", "1e3", " 1", "", 12.5, null]) {
    await refused(v, await sign(es, { sub }), /"sub" claim must be the customer id/);
  }
  await refused(v, "not.a.jwt", /not a well-formed signed JWT/);
  await refused(v, "x".repeat(9000), /longer than 8192/);
  const unsigned = new UnsecuredJWT({
    sub: "12345",
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    exp: nowS + 60,
  }).encode();
  await refused(v, unsigned, /algorithm is not accepted|not a well-formed/);
});

Deno.test("customer tokens: HS256 signed with a public key's bytes (algorithm confusion) is refused", async () => {
  const secret = new TextEncoder().encode(JSON.stringify(es.jwk));
  const forged = await new SignJWT({
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    sub: "1",
    exp: nowS + 60,
  })
    .setProtectedHeader({ alg: "HS256", kid: es.kid })
    .sign(secret);
  await refused(verifier(), forged, /algorithm is not accepted/);
});

Deno.test("customer tokens: a remembered token still expires, and a rotated key set forgets it", async () => {
  let now = NOW;
  const v = verifier({ now: () => now });
  const token = await sign(es, { exp: nowS + 120 });
  assert.equal(await v.customerOf(token), "12345");
  now = new Date(NOW.getTime() + 100_000);
  assert.equal(await v.customerOf(token), "12345"); // remembered, still valid
  now = new Date(NOW.getTime() + 181_000); // past exp and the 60 s of skew
  await refused(v, token, /expired/);

  now = NOW;
  const fresh = await sign(es);
  assert.equal(await v.customerOf(fresh), "12345");
  v.useKeySet({ keys: [rs.jwk] }); // es-1 revoked
  await refused(v, fresh, /no key of the chain's key set/);
});

Deno.test("customer tokens: a key set that cannot be fetched is an outage, not a bad token", async () => {
  const v = new CustomerTokenVerifier(
    () => Promise.reject(new TypeError("connection refused")),
    SETTINGS,
    { now: () => NOW },
  );
  await assert.rejects(v.customerOf(await sign(es)), DependencyUnavailableError);
});

Deno.test("`parseKeySet()` wants public keys, each with a kid", async () => {
  assert.equal(parseKeySet(JSON.stringify({ keys: [es.jwk] }), "f").keys.length, 1);
  assert.throws(() => parseKeySet("{", "f"), /f is not JSON/);
  assert.throws(() => parseKeySet('{"keys": []}', "f"), /not a JSON Web Key Set/);
  assert.throws(
    () => parseKeySet(JSON.stringify({ keys: [{ ...es.jwk, kid: undefined }] }), "f"),
    /needs a "kid"/,
  );
  const priv = { ...(await exportJWK(es.privateKey)), kid: "p" };
  assert.throws(() => parseKeySet(JSON.stringify({ keys: [priv] }), "f"), /private key/);
});
