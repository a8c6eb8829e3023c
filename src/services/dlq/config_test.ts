import assert from "node:assert/strict";
import { readDlqConfig } from "./config.ts";

Deno.test("`readDlqConfig()` reaches Kafka as the services do: TLS and SASL/SCRAM from the same variables", () => {
  const config = readDlqConfig({
    KAFKA_BROKERS: "kafka:9093",
    KAFKA_TLS: "true",
    KAFKA_SASL_MECHANISM: "scram-sha-512",
    KAFKA_SASL_USERNAME: "ovenline-app",
    KAFKA_SASL_PASSWORD: "kafka-secret",
  });
  assert.equal(config.security.ssl, true);
  assert.deepEqual(config.security.sasl, {
    mechanism: "scram-sha-512",
    username: "ovenline-app",
    password: "kafka-secret",
  });
  assert.deepEqual(readDlqConfig({ KAFKA_BROKERS: "kafka:9092" }).security, {
    ssl: undefined,
    sasl: undefined,
  });
});
