/**
 * Kafka with SASL/SCRAM-SHA-512, end to end: a private broker whose only
 * client listener requires SCRAM (the shared local broker is PLAINTEXT and is
 * left alone). The services, configured only through KAFKA_SASL_*, produce
 * and consume through it; a wrong password, another mechanism or no SASL at
 * all get nowhere; no password reaches a log.
 */
import assert from "node:assert/strict";
import { createKafka } from "../src/adapters/kafka/client.ts";
import { createLogger } from "../src/observability/logger.ts";
import { orderThroughBroker, servicesKafkaClient, tryConnect } from "./support/kafka_clients.ts";
import { freePort } from "./support/ports.ts";
import { ServiceProcess } from "./support/service_process.ts";
import { startScramKafka } from "./support/scram_kafka.ts";
import { TestStack } from "./support/stack.ts";
import { ROOT_PATH } from "./support/infra.ts";

const USER = "ovenline-app";
const PASSWORD = `kafka-pass-${crypto.randomUUID()}`;
const WRONG = "not-the-kafka-password-9c1e";
const TOPIC = "pizza-orders";
const DLQ = "pizza-orders.dlq";

Deno.test("Kafka SASL/SCRAM: the services authenticate with KAFKA_SASL_*, nothing else gets in", async (t) => {
  const kafka = await startScramKafka({ [USER]: PASSWORD });
  const env = (password: string, mechanism = "SCRAM-SHA-512") => ({
    KAFKA_BROKERS: kafka.brokers,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: password,
  });
  const lines: string[] = [];
  const logger = createLogger({ service: "test" }, "debug", (line) => lines.push(line));
  const servicesClient = (password: string, mechanism?: string) =>
    servicesKafkaClient(env(password, mechanism), logger);
  let stack: TestStack | undefined;
  try {
    await t.step(
      "the services' client, configured from the environment, produces with SCRAM-SHA-512",
      async () => {
        const admin = servicesClient(PASSWORD).admin();
        await admin.connect();
        await admin.createTopics({
          topics: [
            { topic: TOPIC, numPartitions: 3 },
            { topic: DLQ, numPartitions: 1 },
            { topic: "scram-smoke", numPartitions: 1 },
          ],
          waitForLeaders: true,
        });
        const producer = servicesClient(PASSWORD).producer({ idempotent: true });
        await producer.connect();
        await producer.send({
          topic: "scram-smoke",
          acks: -1,
          messages: [{ key: "k", value: "v" }],
        });
        await producer.disconnect();
        const [partition] = await admin.fetchTopicOffsets("scram-smoke");
        assert.equal(partition.high, "1");
        await admin.disconnect();
      },
    );

    await t.step("a wrong password, SCRAM-SHA-256, or no SASL at all cannot connect", async () => {
      const attempt = tryConnect;
      assert.match(
        await attempt(servicesClient(WRONG)),
        /KafkaJSSASLAuthenticationError.*invalid credentials/,
      );
      assert.match(
        await attempt(servicesClient(PASSWORD, "SCRAM-SHA-256")),
        /does not support the requested SASL mechanism/,
      );
      const plaintext = createKafka({
        brokers: [kafka.brokers],
        clientId: "test",
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 3000,
      }, logger);
      assert.notEqual(await attempt(plaintext), "connected");
    });

    await t.step(
      "intake and consumer through SCRAM: an accepted order reaches PostgreSQL and Redis",
      async () => {
        const through = await orderThroughBroker(
          "kafka_scram",
          { ...env(PASSWORD), KAFKA_TOPIC: TOPIC, KAFKA_DLQ_TOPIC: DLQ },
          TOPIC,
          kafka.client(USER, PASSWORD),
        );
        stack = through.stack;
        const records = through.records;
        assert.equal(records, 1, "the order went to the SCRAM broker");
      },
    );

    await t.step(
      "the operators' dead-letter tool reaches the SCRAM broker with the same variables",
      async () => {
        const run = async (password: string) =>
          await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "--quiet", `${ROOT_PATH}src/services/dlq/main.ts`, "list"],
            env: {
              ...env(password),
              KAFKA_TOPIC: TOPIC,
              KAFKA_DLQ_TOPIC: DLQ,
              KAFKAJS_NO_PARTITIONER_WARNING: "1",
            },
            cwd: ROOT_PATH,
            stdout: "piped",
            stderr: "piped",
          }).output();
        const ok = await run(PASSWORD);
        assert(ok.success, new TextDecoder().decode(ok.stderr));
        const denied = await run(WRONG);
        assert(!denied.success, "a wrong password fails");
        const said = new TextDecoder().decode(denied.stderr) +
          new TextDecoder().decode(denied.stdout);
        assert.match(said, /SASL|authentication/i);
        assert(
          !said.includes(WRONG) && !said.includes(PASSWORD),
          "no password in the tool's output",
        );
      },
    );

    await t.step(
      "intake with a wrong password does not start; no password reaches a log",
      async () => {
        const s = stack!;
        const intake = new ServiceProcess(
          "intake",
          { ...s.env, KAFKA_SASL_PASSWORD: WRONG, GRPC_PORT: String(freePort()) },
          () => Promise.resolve(false),
          s.logDir,
          "intake-wrong-password",
        );
        await assert.rejects(intake.start(30_000), /exited during start-up|not ready/);
        await intake.stop();
        const log = await Deno.readTextFile(`${s.logDir}/intake-wrong-password.log`);
        assert.match(log, /SASL|authentication/i, "the refusal is logged");
        for await (const entry of Deno.readDir(s.logDir)) {
          const text = await Deno.readTextFile(`${s.logDir}/${entry.name}`);
          assert(!text.includes(PASSWORD), `the password in ${entry.name}`);
          assert(!text.includes(WRONG), `the wrong password in ${entry.name}`);
        }
        assert(!lines.join("\n").includes(PASSWORD), "nor in the test's own client logs");
      },
    );
  } finally {
    await stack?.close();
    await kafka.stop();
  }
});
