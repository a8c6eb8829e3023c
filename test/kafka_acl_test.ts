// deno-lint-ignore-file no-explicit-any -- rendered manifests are untyped YAML
/**
 * The chart's Kafka users on a real broker that enforces ACLs: a private SCRAM broker with Kafka's
 * StandardAuthorizer (test/support/scram_kafka.ts), a user per rendered KafkaUser, and each
 * KafkaUser's ACLs applied as Strimzi's user operator applies them. Then each client does what it
 * does in Ovenline, and is refused what it must not: only the consumer reads pizza-orders, only
 * intake and the hub (and the dead-letter tool, replaying) write it, the consumer writes the
 * dead-letter topic, KEDA only reads offsets.
 */
import assert from "node:assert/strict";
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Kafka,
  ResourcePatternTypes,
} from "kafkajs";
import { readDeadLetters } from "../src/services/dlq/dead_letter_reader.ts";
import { find, type K8sObject, render } from "./support/chart.ts";
import { startScramKafka } from "./support/scram_kafka.ts";
import { waitFor } from "./support/wait.ts";

const ORDERS = "pizza-orders";
const DEAD_LETTERS = "pizza-orders.dlq";
const GROUP = "order-service-stable-group";
const CLIENTS = ["intake", "consumer", "hub", "keda", "dlq"] as const;
/** A new broker creates its offsets topic on first use: transient errors until then. */
const RETRY = { retries: 8, initialRetryTime: 200 };

const OPERATIONS: Record<string, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

/** A KafkaUser's ACLs as the broker's ACL bindings (what Strimzi's user operator creates). */
function bindings(user: K8sObject) {
  const principal = `User:${user.metadata.name}`;
  return user.spec.authorization.acls.flatMap((acl: any) =>
    acl.operations.map((op: string) => {
      const operation = OPERATIONS[op];
      if (operation === undefined) throw new Error(`${user.metadata.name}: operation ${op}?`);
      const cluster = acl.resource.type === "cluster";
      return {
        resourceType: cluster
          ? AclResourceTypes.CLUSTER
          : acl.resource.type === "topic"
          ? AclResourceTypes.TOPIC
          : AclResourceTypes.GROUP,
        resourceName: cluster ? "kafka-cluster" : acl.resource.name,
        resourcePatternType: acl.resource.patternType === "prefix"
          ? ResourcePatternTypes.PREFIXED
          : ResourcePatternTypes.LITERAL,
        principal,
        host: "*",
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      };
    })
  );
}

/** A client's debug log: kafkajs hides why it found no group coordinator, the log says. */
type Log = { log: { message: string; error?: { type?: string } } }[];

/**
 * "ok", or the error's type (e.g. TOPIC_AUTHORIZATION_FAILED); for kafkajs's "Failed to find group
 * coordinator", the broker's answer to the lookup as the client logged it.
 */
async function outcome(what: () => Promise<unknown>, log: Log): Promise<string> {
  log.length = 0;
  try {
    await what();
    return "ok";
  } catch (error) {
    const e = error as {
      type?: string;
      cause?: { type?: string };
      name?: string;
      message?: string;
    };
    const lookup = log.findLast((entry) => entry.log.message === "Tried to find group coordinator");
    return e.type ?? e.cause?.type ?? lookup?.log.error?.type ?? `${e.name}: ${e.message}`;
  }
}

/** The attempt was refused by the broker's authorizer (not failed for another reason). */
function refused(result: string, what?: string): void {
  assert.match(result, /AUTHORIZATION_FAILED/, `${what ?? "the attempt"}: ${result}`);
}

/** Sends one record to `topic` with the idempotent producer the services use. */
async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: RETRY });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: "k", value: "v" }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the first record of `topic` in `groupId`. */
async function consume(kafka: Kafka, topic: string, groupId: string): Promise<void> {
  const consumer = kafka.consumer({ groupId, retry: RETRY });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no record within 15 s")), 15_000);
      consumer.on(consumer.events.CRASH, (e) => {
        clearTimeout(timer);
        reject(e.payload.error);
      });
      consumer.run({
        eachMessage: () => {
          clearTimeout(timer);
          resolve();
          return Promise.resolve();
        },
      }).catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** The group's committed offsets and the topic's end offsets, as intake and KEDA read lag. */
async function readLag(kafka: Kafka): Promise<void> {
  const admin = kafka.admin({ retry: RETRY });
  await admin.connect();
  try {
    await admin.fetchTopicOffsets(ORDERS);
    await admin.fetchOffsets({ groupId: GROUP, topics: [ORDERS] });
  } finally {
    await admin.disconnect();
  }
}

Deno.test("the chart's Kafka users on a broker that enforces their ACLs", async (t) => {
  const objs = await render({ set: { "deadLetterTool.enabled": true } });
  const users = Object.fromEntries(
    CLIENTS.map((c) => [c, find(objs, "KafkaUser", `ovenline-kafka-${c}`)]),
  );
  const passwords = Object.fromEntries(
    CLIENTS.map((c) => [users[c].metadata.name, `pw-${c}-${crypto.randomUUID()}`]),
  );
  const kafka = await startScramKafka(passwords, undefined, { authorizer: true });
  const log: Log = [];
  const as = (c: typeof CLIENTS[number]) =>
    kafka.client(users[c].metadata.name, passwords[users[c].metadata.name], (entry) => {
      log.push(entry as unknown as Log[number]);
    });
  const result = (what: () => Promise<unknown>) => outcome(what, log);
  try {
    const admin = kafka.admin().admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: ORDERS, numPartitions: 3 }, { topic: DEAD_LETTERS, numPartitions: 1 }],
      });
      await admin.createAcls({ acl: CLIENTS.flatMap((c) => bindings(users[c])) });
      // The broker creates its offsets topic on the first group lookup: wait until it answers.
      await waitFor(
        "the group coordinator",
        async () => {
          await admin.fetchOffsets({ groupId: "warm-up", topics: [ORDERS] });
          return true;
        },
        30_000,
        200,
      );
    } finally {
      await admin.disconnect();
    }

    await t.step("intake writes orders and reads the group's lag; reads nothing", async () => {
      assert.equal(await result(() => produce(as("intake"), ORDERS)), "ok");
      assert.equal(await result(() => readLag(as("intake"))), "ok");
      refused(await result(() => consume(as("intake"), ORDERS, GROUP)));
      refused(await result(() => produce(as("intake"), DEAD_LETTERS)));
    });
    await t.step("the hub writes orders, nothing else", async () => {
      assert.equal(await result(() => produce(as("hub"), ORDERS)), "ok");
      refused(await result(() => consume(as("hub"), ORDERS, GROUP)));
      refused(await result(() => produce(as("hub"), DEAD_LETTERS)));
      refused(await result(() => readLag(as("hub"))));
    });
    await t.step(
      "the consumer reads orders in its group and writes dead letters; writes no order",
      async () => {
        assert.equal(await result(() => consume(as("consumer"), ORDERS, GROUP)), "ok");
        assert.equal(await result(() => produce(as("consumer"), DEAD_LETTERS)), "ok");
        refused(await result(() => produce(as("consumer"), ORDERS)));
        assert.notEqual(
          await result(() => consume(as("consumer"), ORDERS, "another-group")),
          "ok",
        );
      },
    );
    await t.step("KEDA reads the lag, and nothing else", async () => {
      assert.equal(await result(() => readLag(as("keda"))), "ok");
      refused(await result(() => consume(as("keda"), ORDERS, GROUP)));
      refused(await result(() => produce(as("keda"), ORDERS)));
    });
    await t.step(
      "the dead-letter tool reads dead letters its own way and replays them",
      async () => {
        const letters = await readDeadLetters(as("dlq"), DEAD_LETTERS);
        assert.equal(letters.length, 1, "the consumer's dead letter");
        assert.equal(await result(() => produce(as("dlq"), ORDERS)), "ok");
        refused(await result(() => consume(as("dlq"), ORDERS, GROUP)));
        assert.notEqual(
          await result(() => consume(as("dlq"), DEAD_LETTERS, "not-its-prefix")),
          "ok",
        );
      },
    );
  } finally {
    await kafka.stop();
  }
});
