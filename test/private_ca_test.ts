/**
 * Redis and PostgreSQL over TLS with certificates from a private CA (a throwaway one): a real
 * redis-server with only a TLS port, and a real PostgreSQL (initdb in a temporary folder) that
 * takes only TLS connections from TCP clients. The services' own clients, configured only through
 * their environment (REDIS_URL=rediss://..., REDIS_TLS_CA_FILE; DATABASE_URL,
 * DATABASE_TLS_CA_FILE, as the chart sets them from redis.external.caSecret and
 * postgres.external.caSecret), connect; without the CA file, or with another CA, they do not:
 * Deno does not trust a private CA on its own.
 */
import assert from "node:assert/strict";
import { redisSettings } from "../src/config/common.ts";
import { databaseUrl } from "../src/config/tls_ca.ts";
import { createRedis } from "../src/adapters/redis/client.ts";
import { createPool } from "../src/adapters/postgres/pool.ts";
import { freePort } from "./support/ports.ts";
import { createTestPki, type TestPki } from "./support/tls_certs.ts";
import { waitFor } from "./support/wait.ts";

const REDIS_PASSWORD = `redis-${crypto.randomUUID()}`;

async function run(cmd: string, args: string[], asPostgres = false): Promise<string> {
  const [command, argv] = asPostgres && Deno.uid() === 0
    ? ["runuser", ["-u", "postgres", "--", cmd, ...args]]
    : [cmd, args];
  const out = await new Deno.Command(command, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** A PostgreSQL that accepts TCP clients over TLS only, with the PKI's server certificate. */
async function startTlsPostgres(pki: TestPki) {
  const bin = (await run("bash", ["-c", 'dirname "$(command -v pg_ctl)"'])).trim();
  const dir = await Deno.makeTempDir({ prefix: "ovenline-pg-tls-" });
  await Deno.chmod(dir, 0o777);
  const data = `${dir}/data`;
  const port = freePort();
  await run(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=trust",
  ], true);
  for (const f of ["serverCert", "serverKey"] as const) {
    await Deno.copyFile(pki[f], `${data}/${f}.pem`);
  }
  if (Deno.uid() === 0) {
    await run("chown", ["postgres", `${data}/serverCert.pem`, `${data}/serverKey.pem`]);
  }
  await Deno.chmod(`${data}/serverKey.pem`, 0o600);
  await Deno.writeTextFile(
    `${data}/postgresql.auto.conf`,
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "ssl = on",
      "ssl_cert_file = 'serverCert.pem'",
      "ssl_key_file = 'serverKey.pem'",
      "",
    ].join("\n"),
  );
  // TCP clients only over TLS.
  await Deno.writeTextFile(
    `${data}/pg_hba.conf`,
    "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
  );
  await run(`${bin}/pg_ctl`, ["-D", data, "-l", `${dir}/log`, "-w", "-t", "60", "start"], true);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await run(`${bin}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"], true).catch(
        () => {},
      );
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A redis-server with a TLS port only. */
function startTlsRedis(pki: TestPki) {
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--tls-cert-file",
      pki.serverCert,
      "--tls-key-file",
      pki.serverKey,
      "--tls-ca-cert-file",
      pki.caCert,
      "--tls-auth-clients",
      "no",
      "--requirepass",
      REDIS_PASSWORD,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    url: `rediss://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** PING through the services' Redis client configured from `env`; the error text if it fails. */
async function redisPing(env: Record<string, string>): Promise<string> {
  const redis = createRedis({ ...redisSettings(env), commandTimeoutMs: 2_000 }, "ca-test");
  let lastError = "";
  redis.on("error", (e: Error) => (lastError = e.message));
  try {
    await redis.connect();
    return await redis.ping();
  } catch (error) {
    return `${(error as Error).message} ${lastError}`;
  } finally {
    redis.disconnect();
  }
}

/** SELECT through the services' pool configured from `env`; whether the session is TLS. */
async function pgSsl(env: Record<string, string>): Promise<string> {
  const pool = createPool(databaseUrl(env), { max: 1, connectionTimeoutMillis: 3_000 });
  try {
    const { rows } = await pool.query<{ ssl: boolean }>(
      "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    return rows[0].ssl ? "tls" : "plaintext";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await pool.end();
  }
}

Deno.test("Redis and PostgreSQL behind a private CA: the services connect with its CA file only", async (t) => {
  const pki = await createTestPki();
  const redis = startTlsRedis(pki);
  const postgres = await startTlsPostgres(pki);
  try {
    const redisEnv = (ca?: string): Record<string, string> => ({
      REDIS_URL: redis.url,
      REDIS_PASSWORD,
      ...(ca ? { REDIS_TLS_CA_FILE: ca } : {}),
    });
    await waitFor("the TLS Redis", async () => (await redisPing(redisEnv(pki.caCert))) === "PONG");

    await t.step("Redis: rediss:// with REDIS_TLS_CA_FILE connects", async () => {
      assert.equal(await redisPing(redisEnv(pki.caCert)), "PONG");
    });
    await t.step("Redis: without the CA file, or with another CA, it does not", async () => {
      assert.match(await redisPing(redisEnv()), /certificate|self.signed|verify|issuer/i);
      assert.match(
        await redisPing(redisEnv(pki.otherCaCert)),
        /certificate|self.signed|verify|issuer/i,
      );
    });

    const pgEnv = (url: string, ca?: string): Record<string, string> => ({
      DATABASE_URL: url,
      ...(ca ? { DATABASE_TLS_CA_FILE: ca } : {}),
    });
    await t.step("PostgreSQL: DATABASE_TLS_CA_FILE gives a verified TLS session", async () => {
      assert.equal(await pgSsl(pgEnv(postgres.url, pki.caCert)), "tls");
      // Whatever sslmode the URL named.
      assert.equal(await pgSsl(pgEnv(`${postgres.url}?sslmode=require`, pki.caCert)), "tls");
    });
    await t.step("PostgreSQL: without the CA, TLS fails; plaintext is refused", async () => {
      assert.match(
        await pgSsl(pgEnv(`${postgres.url}?sslmode=verify-full`)),
        /certificate|self.signed|verify|issuer/i,
      );
      assert.match(
        await pgSsl(pgEnv(postgres.url, pki.otherCaCert)),
        /certificate|self.signed|verify|issuer/i,
      );
      assert.match(await pgSsl(pgEnv(postgres.url)), /no encryption|pg_hba|reject/i);
    });
  } finally {
    await redis.stop();
    await postgres.stop();
    await pki.remove();
  }
});
