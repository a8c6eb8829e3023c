/**
 * The benchmark's stack: the local infrastructure (scripts/infra/up.sh starts
 * it or reuses the running one) and the four services, started here as
 * production-like processes (LOG_LEVEL=warn, telemetry off, production rate
 * limits and timeouts), on their own ports, against a database, Redis
 * database and Kafka topics of this run only, so a run never sees another
 * run's or a test's data and leaves nothing behind.
 */
import { Kafka, logLevel } from "kafkajs";
// The bench's own admin clients stay connected through a measurement: without the fix each
// connection wakes every millisecond, on the cores the measured stack runs on.
import "../src/adapters/kafka/request_queue_fix.ts";
import pg from "pg";
import { saveKitchen } from "../src/adapters/postgres/kitchen_repository.ts";
import { migrate } from "../src/adapters/postgres/migrate.ts";
import { createPool } from "../src/adapters/postgres/pool.ts";
import { mintToken } from "../src/adapters/http/bearer_tokens.ts";
import { readTokenAuthority } from "../src/config/auth.ts";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { HealthClient } from "../test/support/health_client.ts";
import { testKitchen } from "../test/support/kitchens.ts";
import { freePort } from "../test/support/ports.ts";
import { leaseRedisDb, type RedisLease } from "../test/support/redis_db.ts";
import { type ServiceName, ServiceProcess } from "../test/support/service_process.ts";
import { SCENARIO } from "../load/scenario.js";

export const ROOT = new URL("../", import.meta.url).pathname;
export const SERVICES: readonly ServiceName[] = ["consumer", "intake", "promoter", "hub"];

/** The connection settings scripts/infra wrote to .infra/env. */
export function infraEnv(): Record<string, string> {
  const text = Deno.readTextFileSync(`${ROOT}.infra/env`);
  return Object.fromEntries(
    text.split("\n").filter((l) => l.includes("=")).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
    }),
  );
}

/** Starts (or reuses) PostgreSQL, Redis and Kafka; never stops them. */
export async function infraUp(): Promise<void> {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/infra/up.sh`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `scripts/infra/up.sh failed:\n${new TextDecoder().decode(out.stderr).slice(-3000)}`,
    );
  }
}

export interface BenchStackOptions {
  readonly runId: string;
  readonly logDir: string;
  /** Extra environment for every service (overrides the defaults). */
  readonly env?: Record<string, string>;
  readonly partitions?: number;
  /** Services to run under V8's CPU profiler: profiles (and a markdown summary) land in `profileDir`. */
  readonly profile?: readonly ServiceName[];
  readonly profileDir?: string;
  /** Services whose V8 inspector listens on 127.0.0.1 at the given port (bench/heap_survivors.ts). */
  readonly inspect?: Partial<Record<ServiceName, number>>;
  /** Services that trace, exporting OTLP/HTTP JSON to 127.0.0.1 at the given port. */
  readonly otlp?: Partial<Record<ServiceName, number>>;
}

export class BenchStack {
  readonly services = new Map<ServiceName, ServiceProcess>();
  readonly replicas = new Map<string, ServiceProcess>();
  #replicaTargets = new Map<number, string>();
  #kitchenSeq = 0;
  #leaseTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly runId: string,
    readonly infra: Record<string, string>,
    readonly dbName: string,
    readonly dbUrl: string,
    readonly pool: pg.Pool,
    readonly redis: RedisLease,
    readonly topic: string,
    readonly groupId: string,
    readonly env: Record<string, string>,
    readonly ports: { grpc: number; hub: number; consumer: number; promoter: number },
    readonly kitchenToken: string,
    readonly logDir: string,
    readonly profile: readonly ServiceName[] = [],
    readonly profileDir = "",
    readonly inspect: Partial<Record<ServiceName, number>> = {},
    readonly otlp: Partial<Record<ServiceName, number>> = {},
  ) {}

  static async create(opts: BenchStackOptions): Promise<BenchStack> {
    await Deno.mkdir(opts.logDir, { recursive: true });
    const infra = infraEnv();
    const id = opts.runId.toLowerCase().replace(/[^a-z0-9]+/g, "_");
    const dbName = `ovenline_bench_${id}`;
    const serverUrl = infra.DATABASE_URL;
    const admin = new pg.Client({
      connectionString: serverUrl,
      application_name: "ovenline-bench",
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${dbName}"`);
    } finally {
      await admin.end();
    }
    const u = new URL(serverUrl);
    u.pathname = `/${dbName}`;
    const dbUrl = u.toString();
    const pool = createPool(dbUrl, { applicationName: "ovenline-bench" });
    await migrate(pool);
    // Redis: a numbered database leased like a test stack's (never shared with a running test).
    const redis = await leaseRedisDb();
    const topic = `bench-orders-${id.replaceAll("_", "-")}`;
    const kafka = new Kafka({
      clientId: "ovenline-bench",
      brokers: infra.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    });
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: opts.partitions ?? 6, replicationFactor: 1 },
          { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 },
        ],
      });
    } finally {
      await kadmin.disconnect();
    }
    const ports = { grpc: freePort(), hub: freePort(), consumer: freePort(), promoter: freePort() };
    const secret = Array.from(
      crypto.getRandomValues(new Uint8Array(24)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const groupId = `bench-group-${id}`;
    const env: Record<string, string> = {
      DATABASE_URL: dbUrl,
      REDIS_URL: redis.url,
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      KAFKA_GROUP_ID: groupId,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(ports.grpc),
      HEALTH_PORT: String(ports.consumer),
      HUB_HOST: "127.0.0.1",
      HUB_PORT: String(ports.hub),
      PROMOTER_HEALTH_PORT: String(ports.promoter),
      DEFAULT_KITCHEN_ID: "main",
      AUTH_JWT_SECRET: secret,
      // Every order is a new customer from 127.0.0.1: anonymous callers (no token to verify; see
      // bench/README.md) and no per-address limits. The per-customer caps stay at their defaults.
      ALLOW_ANONYMOUS_CUSTOMERS: "true",
      ORDER_ID_SECRET: `${secret}${secret}`,
      PEER_RATE_LIMIT_ORDERS: "1000000",
      GRPC_CALLS_PER_S_PER_CONNECTION: "1000000",
      GRPC_CALLS_PER_S_PER_PEER: "1000000",
      // Many simulated tablets share one token, and the bench calls the API as fast as it can.
      WS_MAX_SOCKETS_PER_TOKEN: "10000",
      HTTP_RATE_PER_SECOND: "100000",
      HTTP_RATE_BURST: "100000",
      LOG_LEVEL: "warn",
      // Telemetry off, whatever the calling shell has.
      OTEL_DENO: "false",
      KAFKAJS_NO_PARTITIONER_WARNING: "1",
      ...opts.env,
    };
    const authority = readTokenAuthority(env);
    const kitchenToken = await mintToken(authority, {
      role: "kitchen",
      subject: "bench-kds",
      ttlSeconds: 12 * 3600,
      now: new Date(),
    });
    const stack = new BenchStack(
      opts.runId,
      infra,
      dbName,
      dbUrl,
      pool,
      redis,
      topic,
      groupId,
      env,
      ports,
      kitchenToken,
      opts.logDir,
      opts.profile ?? [],
      opts.profileDir ?? "",
      opts.inspect ?? {},
      opts.otlp ?? {},
    );
    // A test stack's lease lasts 30 min; a long benchmark renews it.
    stack.#leaseTimer = setInterval(() => void redis.reclaim().catch(() => {}), 5 * 60_000);
    return stack;
  }

  get grpcTarget(): string {
    return `127.0.0.1:${this.ports.grpc}`;
  }

  get hubUrl(): string {
    return `http://127.0.0.1:${this.ports.hub}`;
  }

  kdsUrl(kitchenId: string): string {
    return `ws://127.0.0.1:${this.ports.hub}/ws/kds?kitchen=${encodeURIComponent(kitchenId)}`;
  }

  /**
   * A new kitchen for one scenario (or step), saved in the database before
   * the services start or while they run (they reload on the change notice):
   * open all day, capacity far beyond any run, lead ≥ slot so every order is
   * due on the KDS at once. A fresh kitchen keeps each KDS socket's first
   * snapshot empty.
   */
  async newKitchen(label: string): Promise<KitchenConfig> {
    const k = SCENARIO.kitchen;
    const kitchen = testKitchen({
      id: `bench-${label}-${++this.#kitchenSeq}`,
      displayName: `Bench ${label}`,
      slotMinutes: k.slotMinutes,
      leadMinutes: k.leadMinutes,
      capacity: k.capacity,
      capacityUnit: k.capacityUnit as KitchenConfig["capacityUnit"],
      stations: [...k.stations],
    });
    await saveKitchen(this.pool, kitchen);
    return kitchen;
  }

  /** Waits until intake and the hub both know `kitchenId` (they reload kitchens on NOTIFY). */
  async awaitKitchen(kitchenId: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const token = await mintToken(readTokenAuthority(this.env), {
      role: "viewer",
      subject: "bench",
      ttlSeconds: 600,
      now: new Date(),
    });
    while (Date.now() < deadline) {
      const res = await fetch(`${this.hubUrl}/api/v1/erp/kitchens/${kitchenId}`, {
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
      await res?.body?.cancel();
      if (res?.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // intake reloads on the same notice; give it the same moment (no probe order: it would show on the KDS).
    await new Promise((r) => setTimeout(r, 500));
  }

  #envOf(name: ServiceName): Record<string, string> {
    const port = this.otlp[name];
    if (!port) return this.env;
    return {
      ...this.env,
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      // Spans out within a second, and a queue long enough that a busy service drops none.
      OTEL_BSP_SCHEDULE_DELAY: "500",
      OTEL_BSP_MAX_QUEUE_SIZE: "100000",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2048",
    };
  }

  async startServices(names: readonly ServiceName[] = SERVICES): Promise<void> {
    for (const name of names) {
      let s = this.services.get(name);
      if (!s) {
        const flags = this.profile.includes(name)
          ? [
            `--cpu-prof-dir=${this.profileDir}`,
            `--cpu-prof-name=${name}.cpuprofile`,
            "--cpu-prof-md",
          ]
          : [];
        if (flags.length) await Deno.mkdir(this.profileDir, { recursive: true });
        const inspectPort = this.inspect[name];
        if (inspectPort) flags.push(`--inspect=127.0.0.1:${inspectPort}`);
        s = new ServiceProcess(
          name,
          this.#envOf(name),
          this.#ready(name),
          this.logDir,
          name,
          flags,
        );
        this.services.set(name, s);
      }
      if (!s.running) await s.start(90_000);
    }
  }

  async stopServices(): Promise<void> {
    for (const s of [...this.replicas.values()].reverse()) await s.stop();
    this.replicas.clear();
    for (const name of [...SERVICES].reverse()) await this.services.get(name)?.stop();
    this.services.clear();
  }

  /**
   * Another process of intake or the consumer, named `<name> #<n>` (n ≥ 2): the consumer joins
   * the same group (the partitions are shared out), intake listens on a port of its own
   * (`grpcTargetOf(n)`).
   */
  async startReplica(name: "intake" | "consumer", n: number): Promise<string> {
    const label = `${name} #${n}`;
    const port = freePort();
    const env = {
      ...this.env,
      ...(name === "intake" ? { GRPC_PORT: String(port) } : { HEALTH_PORT: String(port) }),
    };
    const ready = name === "intake"
      ? async () => {
        const h = new HealthClient(`127.0.0.1:${port}`);
        try {
          return await h.serving("ovenline.v1.OrderService");
        } finally {
          h.close();
        }
      }
      : async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.body?.cancel();
        return res.ok;
      };
    const s = new ServiceProcess(name, env, ready, this.logDir, `${name}-${n}`);
    this.replicas.set(label, s);
    if (name === "intake") this.#replicaTargets.set(n, `127.0.0.1:${port}`);
    await s.start(90_000);
    return label;
  }

  /** The gRPC address of intake process `n` (1: the first one). */
  grpcTargetOf(n: number): string {
    if (n === 1) return this.grpcTarget;
    const target = this.#replicaTargets.get(n);
    if (!target) throw new Error(`intake #${n} was not started`);
    return target;
  }

  /** Process ids by name: the services, then their extra processes (`intake #2`, …). */
  pids(): Record<string, number> {
    return Object.fromEntries(
      [...this.services, ...this.replicas].filter(([, s]) => s.pid !== undefined).map((
        [n, s],
      ) => [n, s.pid!]),
    );
  }

  /** Whether each started service is still alive (a crash during a run is a finding). */
  async alive(): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {};
    for (const [n, s] of [...this.services, ...this.replicas]) out[n] = await s.alive();
    return out;
  }

  #lagAdmin: ReturnType<Kafka["admin"]> | undefined;

  /** Consumer lag of this run's group: end offsets minus committed offsets, over all partitions. */
  async consumerLag(): Promise<number> {
    if (!this.#lagAdmin) {
      const admin = new Kafka({
        clientId: "ovenline-bench-lag",
        brokers: this.infra.KAFKA_BROKERS.split(","),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      this.#lagAdmin = admin;
    }
    const admin = this.#lagAdmin;
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(this.topic),
      admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
    ]);
    const done = new Map(
      committed[0]?.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]) ?? [],
    );
    return ends.reduce((sum, p) => sum + Number(p.high) - (done.get(p.partition) ?? 0), 0);
  }

  /** Polls the lag until 0 (or timeout); returns how long it took and the lag when it started. */
  async drain(
    timeoutMs = 180_000,
  ): Promise<{ lagAtStart: number; drainMs: number; drained: boolean }> {
    const t0 = performance.now();
    let lag = await this.consumerLag();
    const lagAtStart = lag;
    while (lag > 0 && performance.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 250));
      lag = await this.consumerLag();
    }
    return { lagAtStart, drainMs: Math.round(performance.now() - t0), drained: lag === 0 };
  }

  /** Orders of a kitchen in PostgreSQL (durability check after a run). */
  async orderCount(kitchenId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM orders WHERE kitchen_id = $1",
      [kitchenId],
    );
    return Number(rows[0].n);
  }

  /** Stops the services and removes the run's database, Redis database and topics. */
  async close(opts: { keepData?: boolean } = {}): Promise<void> {
    if (this.#leaseTimer !== undefined) clearInterval(this.#leaseTimer);
    await this.#lagAdmin?.disconnect().catch(() => {});
    await this.stopServices().catch(() => {});
    await this.pool.end().catch(() => {});
    if (opts.keepData) return;
    await this.redis.release().catch(() => {});
    const kafka = new Kafka({
      clientId: "ovenline-bench",
      brokers: this.infra.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect().catch(() => {});
    await admin.deleteTopics({ topics: [this.topic, `${this.topic}.dlq`] }).catch(() => {});
    await admin.disconnect().catch(() => {});
    const client = new pg.Client({
      connectionString: this.infra.DATABASE_URL,
      application_name: "ovenline-bench",
    });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`).catch(() => {});
    await client.end();
  }

  #ready(name: ServiceName): () => Promise<boolean> {
    const http = async (port: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      await res.body?.cancel();
      return res.ok;
    };
    switch (name) {
      case "intake":
        return async () => {
          const h = new HealthClient(this.grpcTarget);
          try {
            return await h.serving("ovenline.v1.OrderService");
          } finally {
            h.close();
          }
        };
      case "consumer":
        return () => http(this.ports.consumer);
      case "promoter":
        return () => http(this.ports.promoter);
      case "hub":
        return () => http(this.ports.hub);
    }
  }
}
