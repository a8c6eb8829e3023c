/**
 * A private single-node Kafka whose only client listener is SASL_PLAINTEXT
 * with SCRAM-SHA-512 (or SASL_SSL: SCRAM inside TLS), for tests of
 * authenticated and encrypted Kafka. It runs from the
 * same broker jars as the shared local broker (.infra/kafka/lib, installed by
 * scripts/infra/kafka.sh), on ports and in a folder of its own, so the shared
 * PLAINTEXT broker other tests use is never touched. SCRAM users are created
 * when the storage is formatted (kafka-storage format --add-scram).
 */
import { Kafka, type LogEntry, logLevel } from "kafkajs";
import "../../src/adapters/kafka/request_queue_fix.ts"; // no millisecond wake-ups while connected
import { ROOT_PATH } from "./infra.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait.ts";

export interface BrokerTls {
  /** PEM file holding the broker's private key and then its certificate chain. */
  readonly keystore: string;
  /** PEM file of the CA the broker's own clients trust. */
  readonly truststore: string;
}

export interface ScramKafka {
  /** host:port of the SASL_PLAINTEXT (or SASL_SSL) listener. */
  readonly brokers: string;
  readonly dir: string;
  /** A kafkajs client authenticated as `user`; `log` gets its debug log entries. */
  client(user: string, password: string, log?: (entry: LogEntry) => void): Kafka;
  /** A kafkajs client authenticated as the broker's super user (topics, ACLs). */
  admin(): Kafka;
  stop(): Promise<void>;
}

const ADMIN = { user: "admin", password: `admin-${crypto.randomUUID()}` };

function clusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replace(/\+/g, "-").replace(
    /\//g,
    "_",
  );
}

function properties(
  dir: string,
  port: number,
  controllerPort: number,
  tls: BrokerTls | undefined,
  authorizer: boolean,
): string {
  const protocol = tls ? "SASL_SSL" : "SASL_PLAINTEXT";
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `listeners=${protocol}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=${protocol}://127.0.0.1:${port}`,
    `listener.security.protocol.map=${protocol}:${protocol},CONTROLLER:PLAINTEXT`,
    `inter.broker.listener.name=${protocol}`,
    "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
    "sasl.enabled.mechanisms=SCRAM-SHA-512",
    `listener.name.${protocol.toLowerCase()}.scram-sha-512.sasl.jaas.config=` +
    "org.apache.kafka.common.security.scram.ScramLoginModule required " +
    `username="${ADMIN.user}" password="${ADMIN.password}";`,
    ...(tls
      ? [
        "ssl.keystore.type=PEM",
        `ssl.keystore.location=${tls.keystore}`,
        "ssl.truststore.type=PEM",
        `ssl.truststore.location=${tls.truststore}`,
      ]
      : []),
    "controller.listener.names=CONTROLLER",
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `log.dirs=${dir}/data`,
    "num.partitions=1",
    "auto.create.topics.enable=false",
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    // ACLs as Strimzi's `simple` authorization enforces them: the admin (and the in-process
    // controller connection, which is anonymous) may do anything, everyone else what ACLs allow.
    ...(authorizer
      ? [
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        `super.users=User:${ADMIN.user};User:ANONYMOUS`,
      ]
      : []),
    "",
  ].join("\n");
}

/**
 * Starts the broker with SCRAM-SHA-512 credentials for `users` (name → password); with `tls`, its
 * listener speaks TLS too and `client()` trusts `caCert`; with `authorizer`, it enforces ACLs.
 */
export async function startScramKafka(
  users: Record<string, string>,
  tls?: BrokerTls & { readonly caCert: string },
  opts: { readonly authorizer?: boolean } = {},
): Promise<ScramKafka> {
  const lib = `${ROOT_PATH}.infra/kafka/lib`;
  await Deno.stat(lib).catch(() => {
    throw new Error(`${lib} is missing: run scripts/infra/up.sh (it installs the broker's jars)`);
  });
  const dir = await Deno.makeTempDir({ prefix: "ovenline-scram-kafka-" });
  const port = freePort();
  const controllerPort = freePort();
  await Deno.writeTextFile(
    `${dir}/server.properties`,
    properties(dir, port, controllerPort, tls, opts.authorizer ?? false),
  );
  const scram = Object.entries({ ...users, [ADMIN.user]: ADMIN.password }).flatMap((
    [name, password],
  ) => ["--add-scram", `SCRAM-SHA-512=[name=${name},password=${password}]`]);
  const format = await new Deno.Command("java", {
    args: [
      "-cp",
      `${lib}/*`,
      "kafka.tools.StorageTool",
      "format",
      "--standalone",
      "-t",
      clusterId(),
      "-c",
      `${dir}/server.properties`,
      ...scram,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!format.success) {
    throw new Error(
      `formatting the SCRAM broker failed: ${new TextDecoder().decode(format.stderr)}`,
    );
  }
  const broker = new Deno.Command("java", {
    args: [
      "-Xms128m",
      "-Xmx384m",
      "-XX:+UseG1GC",
      `-Dkafka.logs.dir=${dir}/logs`,
      `-Dlog4j2.configurationFile=${ROOT_PATH}scripts/infra/kafka/log4j2.properties`,
      "-cp",
      `${lib}/*`,
      "kafka.Kafka",
      `${dir}/server.properties`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const client = (user: string, password: string, log?: (entry: LogEntry) => void) =>
    new Kafka({
      clientId: "ovenline-test-scram",
      brokers: [`127.0.0.1:${port}`],
      sasl: { mechanism: "scram-sha-512", username: user, password },
      ssl: tls ? { ca: [Deno.readTextFileSync(tls.caCert)] } : undefined,
      logLevel: log ? logLevel.DEBUG : logLevel.NOTHING,
      logCreator: log ? () => log : undefined,
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 0 },
    });
  const stop = async () => {
    try {
      broker.kill("SIGTERM");
    } catch { /* gone */ }
    const stopped = await Promise.race([
      broker.status.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    if (!stopped) {
      try {
        broker.kill("SIGKILL");
      } catch { /* gone */ }
      await broker.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await waitFor(
      "the SCRAM broker",
      async () => {
        const admin = client(ADMIN.user, ADMIN.password).admin();
        try {
          await admin.connect();
          await admin.listTopics();
          return true;
        } finally {
          await admin.disconnect().catch(() => {});
        }
      },
      60_000,
      250,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const admin = () => client(ADMIN.user, ADMIN.password);
  return { brokers: `127.0.0.1:${port}`, dir, client, admin, stop };
}
