import assert from "node:assert/strict";
import { ConfigError } from "../../config/env.ts";
import { readHubConfig } from "./config.ts";

const BASE = {
  DATABASE_URL: "postgres://u:p@db/ovenline",
  REDIS_URL: "redis://redis:6379",
  KAFKA_BROKERS: "kafka:9092",
  AUTH_JWT_SECRET: "a-signing-key-of-at-least-32-characters",
};

Deno.test("`readHubConfig()` takes the token signing key from AUTH_JWT_SECRET", () => {
  assert.equal(readHubConfig(BASE).authJwtSecret, BASE.AUTH_JWT_SECRET);
});

Deno.test("`readHubConfig()` refuses to start without a signing key, or with a short one", () => {
  const { AUTH_JWT_SECRET: _, ...without } = BASE;
  assert.throws(
    () => readHubConfig(without),
    (e: Error) => e instanceof ConfigError && /AUTH_JWT_SECRET is required/.test(e.message),
  );
  assert.throws(
    () => readHubConfig({ ...BASE, AUTH_JWT_SECRET: "too-short-key" }),
    (e: Error) =>
      /AUTH_JWT_SECRET must be at least 32 characters/.test(e.message) &&
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
