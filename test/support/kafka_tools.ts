/**
 * Kafka's own console consumer (the kafka-tools jar, which scripts/infra/kafka/pom.xml copies
 * into .infra/kafka/lib with the broker's jars), run against the local broker as a client of
 * another system would; and the group deletion an operator would do.
 */
import { testKafka } from "./kafka_topics.ts";
import { infraSetting, ROOT_PATH } from "./infra.ts";
import { waitFor } from "./wait.ts";

const LIB = `${ROOT_PATH}.infra/kafka/lib`;
const LOG4J = `${ROOT_PATH}scripts/infra/kafka/log4j2.properties`;

function javaArgs(mainClass: string, args: readonly string[]): string[] {
  return [
    "-Xmx256m",
    `-Dlog4j2.configurationFile=${LOG4J}`,
    `-Dkafka.logs.dir=${ROOT_PATH}.artifacts/logs/kafka-tools`,
    "-cp",
    `${LIB}/*`,
    mainClass,
    "--bootstrap-server",
    infraSetting("KAFKA_BROKERS"),
    ...args,
  ];
}

/**
 * Deletes the group as soon as the broker lets it (once it has no members), with the admin API;
 * resolves when it is deleted.
 */
export async function deleteGroupOnceEmpty(groupId: string, timeoutMs = 30_000): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await waitFor(
      `${groupId} empty and deleted`,
      async () => {
        const [group] = (await admin.describeGroups([groupId])).groups;
        if (group?.state !== "Empty") return false;
        await admin.deleteGroups([groupId]); // throws while a member has joined meanwhile
        return true;
      },
      timeoutMs,
      20,
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Kafka's console consumer in `groupId`, with a partition-assignment strategy of its own: as a
 * client of an older system still attached to the group would be.
 */
export class ConsoleConsumer {
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly done: Promise<void>,
  ) {}

  /** Starts it and waits until it holds the group (the group is Stable with it as a member). */
  static async start(
    groupId: string,
    topic: string,
    assignor: string,
    logPath: string,
  ): Promise<ConsoleConsumer> {
    const log = await Deno.open(logPath, { create: true, append: true });
    const child = new Deno.Command("java", {
      args: javaArgs("org.apache.kafka.tools.consumer.ConsoleConsumer", [
        "--topic",
        topic,
        "--group",
        groupId,
        "--consumer-property",
        `partition.assignment.strategy=${assignor}`,
      ]),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const sink = (stream: ReadableStream<Uint8Array>) =>
      stream.pipeTo(new WritableStream({ write: (chunk) => log.write(chunk).then(() => {}) }))
        .catch(() => {});
    const done = Promise.all([sink(child.stdout), sink(child.stderr), child.status])
      .then(() => log.close());
    const consumer = new ConsoleConsumer(child, done);
    try {
      await waitFor(
        `the console consumer holding ${groupId}`,
        async () => {
          const admin = testKafka().admin();
          await admin.connect();
          try {
            const [group] = (await admin.describeGroups([groupId])).groups;
            return group?.state === "Stable" &&
              group.members.some((m) => m.clientId === "console-consumer");
          } finally {
            await admin.disconnect();
          }
        },
        60_000,
        250,
      );
    } catch (error) {
      await consumer.stop();
      throw error;
    }
    return consumer;
  }

  /** SIGTERM: the consumer leaves the group and exits. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.done;
  }
}
