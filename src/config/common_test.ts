import assert from "node:assert/strict";
import { createRedis } from "../adapters/redis/client.ts";
import { kafkaSecurity, readCommonConfig } from "./common.ts";
import { ConfigError } from "./env.ts";

const BASE = {
  DATABASE_URL: "postgres://ovenline:pg-secret@db:5432/ovenline",
  REDIS_URL: "redis://redis:6379",
  KAFKA_BROKERS: "kafka-1:9093, kafka-2:9093",
};

Deno.test("`kafkaSecurity()` is plaintext without TLS or SASL settings", () => {
  assert.deepEqual(kafkaSecurity(BASE), { ssl: undefined, sasl: undefined });
  assert.deepEqual(kafkaSecurity({ ...BASE, KAFKA_TLS: "false" }), {
    ssl: undefined,
    sasl: undefined,
  });
});

Deno.test("`kafkaSecurity()` maps KAFKA_TLS and KAFKA_TLS_CA_FILE to kafkajs' ssl", () => {
  assert.equal(kafkaSecurity({ ...BASE, KAFKA_TLS: "true" }).ssl, true);
  for (const yes of ["1", "yes", "on", "TRUE"]) {
    assert.equal(kafkaSecurity({ ...BASE, KAFKA_TLS: yes }).ssl, true, yes);
  }
  const dir = Deno.makeTempDirSync();
  try {
    const ca = `${dir}/ca.crt`;
    Deno.writeTextFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    assert.deepEqual(kafkaSecurity({ ...BASE, KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: ca }).ssl, {
      ca: Deno.readTextFileSync(ca),
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("`kafkaSecurity()` maps KAFKA_SASL_* to kafkajs' sasl, mechanism in lower case", () => {
  const env = {
    ...BASE,
    KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
    KAFKA_SASL_USERNAME: "ovenline-app",
    KAFKA_SASL_PASSWORD: "kafka-secret",
  };
  assert.deepEqual(kafkaSecurity(env).sasl, {
    mechanism: "scram-sha-512",
    username: "ovenline-app",
    password: "kafka-secret",
  });
  assert.equal(
    kafkaSecurity({ ...env, KAFKA_SASL_MECHANISM: "scram-sha-256" }).sasl?.mechanism,
    "scram-sha-256",
  );
  // What the services are given: readCommonConfig passes it on with the brokers.
  const kafka = readCommonConfig({ ...env, KAFKA_TLS: "true" }, "intake").kafka;
  assert.deepEqual(kafka.brokers, ["kafka-1:9093", "kafka-2:9093"]);
  assert.equal(kafka.ssl, true);
  assert.equal(kafka.sasl?.password, "kafka-secret");
});

Deno.test("`kafkaSecurity()` fails naming the variable that is wrong or missing", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ KAFKA_TLS: "maybe" }, /KAFKA_TLS must be true or false, got "maybe"/],
    [
      { KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" },
      /KAFKA_SASL_MECHANISM must be scram-sha-512 or scram-sha-256/,
    ],
    [
      { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_PASSWORD: "p" },
      /KAFKA_SASL_USERNAME is required/,
    ],
    [
      { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "u" },
      /KAFKA_SASL_PASSWORD is required/,
    ],
    [
      {
        KAFKA_SASL_MECHANISM: "scram-sha-512",
        KAFKA_SASL_USERNAME: "u",
        KAFKA_SASL_PASSWORD: "  ",
      },
      /KAFKA_SASL_PASSWORD is required/,
    ],
    [{ KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }, /KAFKA_SASL_MECHANISM is not/],
    [
      { KAFKA_TLS_CA_FILE: "/etc/kafka/ca.crt" },
      /KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true/,
    ],
    [
      { KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: "/no/such/ca.crt" },
      /KAFKA_TLS_CA_FILE \/no\/such\/ca.crt cannot be read/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => kafkaSecurity({ ...BASE, ...env }), (e: Error) => {
      assert(e instanceof ConfigError, `${JSON.stringify(env)}: ${e}`);
      assert.match(e.message, message);
      return true;
    });
  }
  // The password is never part of a message.
  assert.throws(
    () =>
      kafkaSecurity({
        ...BASE,
        KAFKA_SASL_MECHANISM: "plain",
        KAFKA_SASL_USERNAME: "u",
        KAFKA_SASL_PASSWORD: "kafka-secret",
      }),
    (e: Error) => !e.message.includes("kafka-secret"),
  );
});

Deno.test("`readCommonConfig()` takes the Redis password from REDIS_PASSWORD and hands it to ioredis", () => {
  const config = readCommonConfig({ ...BASE, REDIS_PASSWORD: "redis-secret" }, "hub");
  assert.equal(config.redis.password, "redis-secret");
  const redis = createRedis(config.redis, "test");
  try {
    assert.equal(redis.options.password, "redis-secret");
    assert.equal(redis.options.host, "redis");
  } finally {
    redis.disconnect();
  }
  assert.equal(readCommonConfig(BASE, "hub").redis.password, undefined);
  assert.equal(readCommonConfig({ ...BASE, REDIS_PASSWORD: " " }, "hub").redis.password, undefined);
});

Deno.test("`readCommonConfig()` takes PostgreSQL's password in DATABASE_URL and requires the connection settings", () => {
  assert.equal(new URL(readCommonConfig(BASE, "consumer").databaseUrl).password, "pg-secret");
  for (const name of ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS"]) {
    const env: Record<string, string> = { ...BASE };
    delete env[name];
    assert.throws(() => readCommonConfig(env, "consumer"), new RegExp(`${name} is required`));
  }
});
