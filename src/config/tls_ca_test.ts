import assert from "node:assert/strict";
import { ConfigError } from "./env.ts";
import { databaseUrl, redisTlsCa } from "./tls_ca.ts";

const ca = Deno.makeTempFileSync({ suffix: ".crt" });
Deno.writeTextFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

Deno.test("`databaseUrl()` verifies the server against DATABASE_TLS_CA_FILE when set", () => {
  const url = "postgres://u:p%40ss@db.example:5432/ovenline?application_name=x&sslmode=require";
  assert.equal(databaseUrl({ DATABASE_URL: url }), url, "unchanged without a CA");
  const verified = new URL(databaseUrl({ DATABASE_URL: url, DATABASE_TLS_CA_FILE: ca }));
  assert.equal(verified.searchParams.get("sslmode"), "verify-full");
  assert.equal(verified.searchParams.get("sslrootcert"), ca);
  assert.equal(verified.searchParams.get("application_name"), "x");
  assert.equal(verified.password, "p%40ss");
});

Deno.test("`databaseUrl()` refuses a CA with TLS off, and a CA file it cannot read", () => {
  for (const mode of ["disable", "no-verify"]) {
    assert.throws(
      () =>
        databaseUrl({ DATABASE_URL: `postgres://db/o?sslmode=${mode}`, DATABASE_TLS_CA_FILE: ca }),
      (e: Error) => e instanceof ConfigError && e.message.includes(`sslmode=${mode}`),
    );
  }
  assert.throws(
    () =>
      databaseUrl({ DATABASE_URL: "postgres://db/o", DATABASE_TLS_CA_FILE: "/nonexistent.crt" }),
    /DATABASE_TLS_CA_FILE \/nonexistent\.crt cannot be read/,
  );
  assert.throws(() => databaseUrl({}), /DATABASE_URL is required/);
});

Deno.test("`redisTlsCa()` reads the CA for rediss:// only", () => {
  assert.equal(redisTlsCa({ REDIS_URL: "rediss://r:6380" }), undefined);
  assert.match(redisTlsCa({ REDIS_URL: "rediss://r:6380", REDIS_TLS_CA_FILE: ca }) ?? "", /BEGIN/);
  assert.throws(
    () => redisTlsCa({ REDIS_URL: "redis://r:6379", REDIS_TLS_CA_FILE: ca }),
    /REDIS_URL is not rediss:\/\//,
  );
});
