/**
 * Kafka over TLS (with SASL/SCRAM inside it, as Strimzi's TLS listener and a
 * KafkaUser give): a private broker whose only client listener is SASL_SSL,
 * with a certificate from a throwaway CA. The services, configured only
 * through KAFKA_TLS, KAFKA_TLS_CA_FILE and KAFKA_SASL_*, produce and consume
 * through it; a client that does not trust the CA, or speaks plaintext,
 * gets nowhere.
 */
import assert from "node:assert/strict";
import { createLogger } from "../src/observability/logger.ts";
import { orderThroughBroker, servicesKafkaClient, tryConnect } from "./support/kafka_clients.ts";
import { startScramKafka } from "./support/scram_kafka.ts";
import type { TestStack } from "./support/stack.ts";
import { createTestPki } from "./support/tls_certs.ts";

const USER = "ovenline-app";
const PASSWORD = `kafka-pass-${crypto.randomUUID()}`;
const TOPIC = "pizza-orders";
const DLQ = "pizza-orders.dlq";

Deno.test("Kafka over TLS: the services connect with KAFKA_TLS and the CA file, untrusted or plaintext clients do not", async (t) => {
  const pki = await createTestPki();
  const keystore = `${pki.dir}/broker-keystore.pem`;
  await Deno.writeTextFile(
    keystore,
    (await Deno.readTextFile(pki.serverKey)) + (await Deno.readTextFile(pki.serverCert)),
  );
  const kafka = await startScramKafka({ [USER]: PASSWORD }, {
    keystore,
    truststore: pki.caCert,
    caCert: pki.caCert,
  });
  const env = (caFile: string | null = pki.caCert): Record<string, string> => ({
    KAFKA_BROKERS: kafka.brokers,
    KAFKA_TLS: "true",
    ...(caFile ? { KAFKA_TLS_CA_FILE: caFile } : {}),
    KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: PASSWORD,
  });
  const logger = createLogger({ service: "test" }, "error", () => {});
  const attempt = (settings: Record<string, string>) =>
    tryConnect(servicesKafkaClient(settings, logger));
  let stack: TestStack | undefined;
  try {
    await t.step("the services' client trusts the broker through KAFKA_TLS_CA_FILE", async () => {
      assert.equal(await attempt(env()), "connected");
      const admin = servicesKafkaClient(env(), logger).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic: TOPIC, numPartitions: 3 }, { topic: DLQ, numPartitions: 1 }],
        waitForLeaders: true,
      });
      await admin.disconnect();
    });

    await t.step(
      "a client trusting another CA, the system CAs only, or speaking plaintext cannot connect",
      async () => {
        assert.match(await attempt(env(pki.otherCaCert)), /certificate|self.signed|verify/i);
        assert.match(await attempt(env(null)), /certificate|self.signed|verify/i);
        const { KAFKA_TLS: _, KAFKA_TLS_CA_FILE: __, ...plaintext } = env();
        assert.notEqual(await attempt(plaintext), "connected");
      },
    );

    await t.step(
      "intake and consumer over TLS: an accepted order reaches Kafka and PostgreSQL",
      async () => {
        const through = await orderThroughBroker(
          "kafka_tls",
          { ...env(), KAFKA_TOPIC: TOPIC, KAFKA_DLQ_TOPIC: DLQ },
          TOPIC,
          kafka.client(USER, PASSWORD),
        );
        stack = through.stack;
        const records = through.records;
        assert.equal(records, 1, "the order went through the TLS broker");
      },
    );
  } finally {
    await stack?.close();
    await kafka.stop();
    await pki.remove();
  }
});
