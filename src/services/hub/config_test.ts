import assert from "node:assert/strict";
import { ConfigError } from "../../config/env.ts";
import { readHubConfig } from "./config.ts";

const BASE = {
  DATABASE_URL: "postgres://u:p@db/ovenline",
  REDIS_URL: "redis://redis:6379",
  KAFKA_BROKERS: "kafka:9092",
  AUTH_JWT_SECRET: "a-signing-key-of-at-least-32-characters",
};

Deno.test("`readHubConfig()` takes one key from AUTH_JWT_SECRET (id k1) with the default rules", () => {
  const auth = readHubConfig(BASE).auth;
  assert.deepEqual([...auth.keys], [["k1", BASE.AUTH_JWT_SECRET]]);
  assert.equal(auth.signingKeyId, "k1");
  assert.equal(auth.maxLifetimeS, 12 * 3600);
  assert.equal(auth.clockSkewS, 60);
  assert.equal(auth.issuer, "ovenline");
  assert.equal(auth.audience, "ovenline-hub");
});

Deno.test("`readHubConfig()` takes a key set, the signing key and the revoked ones", () => {
  const { AUTH_JWT_SECRET: _, ...base } = BASE;
  const keys = { "2026-07": "a".repeat(32), "2026-06": "b".repeat(32), "2026-05": "c".repeat(32) };
  const auth = readHubConfig({
    ...base,
    AUTH_JWT_KEYS: JSON.stringify(keys),
    AUTH_JWT_SIGNING_KEY_ID: "2026-07",
    AUTH_JWT_REVOKED_KEY_IDS: "2026-05",
  }).auth;
  assert.deepEqual([...auth.keys.keys()], ["2026-07", "2026-06", "2026-05"]);
  assert.equal(auth.signingKeyId, "2026-07");
  assert.deepEqual([...auth.revokedKeyIds], ["2026-05"]);
  for (
    const [env, message] of [
      [{ AUTH_JWT_KEYS: JSON.stringify(keys) }, /AUTH_JWT_SIGNING_KEY_ID must name/],
      [
        { AUTH_JWT_KEYS: JSON.stringify(keys), AUTH_JWT_SIGNING_KEY_ID: "nope" },
        /not in the key set/,
      ],
      [
        {
          AUTH_JWT_KEYS: JSON.stringify(keys),
          AUTH_JWT_SIGNING_KEY_ID: "2026-05",
          AUTH_JWT_REVOKED_KEY_IDS: "2026-05",
        },
        /2026-05 is revoked/,
      ],
      [{ AUTH_JWT_KEYS: "[1]" }, /JSON object/],
      [{ AUTH_JWT_KEYS: "{" }, /must be JSON/],
      [{ AUTH_JWT_KEYS: "{}" }, /holds no key/],
      [{ AUTH_JWT_KEYS: JSON.stringify({ "a b": "x".repeat(32) }) }, /key id "a b"/],
      [{ AUTH_JWT_KEYS: JSON.stringify({ k: "short" }) }, /key k must be at least 32 characters/],
      [{ AUTH_JWT_KEYS: JSON.stringify(keys), AUTH_JWT_SECRET: "x".repeat(32) }, /not both/],
      [{}, /AUTH_JWT_KEYS \(or AUTH_JWT_SECRET\) is required/],
    ] as const
  ) {
    assert.throws(
      () => readHubConfig({ ...base, ...env }),
      (e: Error) =>
        e instanceof ConfigError && message.test(e.message) && !e.message.includes("short"),
      JSON.stringify(env).slice(0, 60),
    );
  }
});

Deno.test("`readHubConfig()` refuses a short AUTH_JWT_SECRET without echoing it", () => {
  assert.throws(
    () => readHubConfig({ ...BASE, AUTH_JWT_SECRET: "too-short-key" }),
    (e: Error) =>
      /key k1 must be at least 32 characters/.test(e.message) &&
      !e.message.includes("too-short-key"),
  );
});

Deno.test("`readHubConfig()` allows no cross-origin callers unless CORS_ORIGINS lists them", () => {
  assert.deepEqual(readHubConfig(BASE).corsOrigins, []);
  assert.deepEqual(
    readHubConfig({ ...BASE, CORS_ORIGINS: "https://erp.example, https://ops.example" })
      .corsOrigins,
    ["https://erp.example", "https://ops.example"],
  );
});

Deno.test("`readHubConfig()` bounds the REST body limit (HTTP_MAX_BODY_BYTES)", () => {
  assert.equal(readHubConfig(BASE).maxBodyBytes, 64 * 1024);
  assert.throws(
    () => readHubConfig({ ...BASE, HTTP_MAX_BODY_BYTES: "100" }),
    /HTTP_MAX_BODY_BYTES/,
  );
});
