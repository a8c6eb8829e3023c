/**
 * A whole Ovenline stack for one test: a fresh PostgreSQL database, a leased
 * Redis database, its own Kafka topics and consumer group, and the services
 * as real processes. Everything is torn down by `close()`.
 */
import type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
import type { Redis } from "ioredis";
import type pg from "pg";
import { saveKitchen } from "../../src/adapters/postgres/kitchen_repository.ts";
import {
  createTestDatabase,
  type TestDatabase,
} from "../../src/adapters/postgres/test_database.ts";
import type { KitchenConfig } from "../../src/domain/kitchen.ts";
import {
  mintToken,
  type Role,
  type TokenAuthority,
} from "../../src/adapters/http/bearer_tokens.ts";
import { readTokenAuthority } from "../../src/config/auth.ts";
import { HealthClient, OrderApi } from "./grpc_client.ts";
import { type TestIdentityProvider, testIdentityProvider } from "./customer_tokens.ts";
import { infraSetting, ROOT_PATH } from "./infra.ts";
import { createTestTopics, testKafka, type TestTopics } from "./kafka_topics.ts";
import { freePort } from "./ports.ts";
import { keysMatching } from "../../src/adapters/redis/key_scan.ts";
import { leaseRedisDb, type RedisLease } from "./redis_db.ts";
import { type ServiceName, ServiceProcess } from "./service_process.ts";

export interface StackOptions {
  /** Kitchens to create; the first is the default kitchen. */
  readonly kitchens: readonly KitchenConfig[];
  readonly services?: readonly ServiceName[];
  readonly env?: Record<string, string>;
  readonly partitions?: number;
  /** Each service serves Prometheus /metrics on a port of its own (metricsPorts). */
  readonly metrics?: boolean;
  /**
   * How clients of this stack reach intake's gRPC port: readiness probes and `api`. Plaintext
   * unless given; a stack whose intake serves TLS (GRPC_TLS_* in `env`) passes TLS credentials
   * (and, as Deno's TLS client takes no IP address as server name, the name to verify, with
   * the channel option "grpc.ssl_target_name_override").
   */
  readonly grpcClient?: GrpcClientSettings;
}

export interface GrpcClientSettings {
  readonly credentials: ChannelCredentials;
  readonly options?: ChannelOptions;
}

/** The hub's signing key in tests (never used outside them). */
const TEST_SIGNING_KEY = "ovenline-test-signing-key-0123456789abcdef";

export class TestStack {
  /** Running services by name; extra replicas as "hub#2", "promoter#2", ... */
  readonly services = new Map<string, ServiceProcess>();
  /** Ports of extra replicas (hub: HTTP port; others: health port). */
  readonly replicaPorts = new Map<string, number>();
  /** METRICS_PORT of each service (and replica, "hub#2"), when the stack serves metrics. */
  readonly metricsPorts = new Map<string, number>();
  #metrics = false;
  #api: OrderApi | undefined;

  private constructor(
    readonly name: string,
    readonly db: TestDatabase,
    readonly redisLease: RedisLease,
    readonly topics: TestTopics,
    readonly env: Record<string, string>,
    readonly ports: { grpc: number; consumerHealth: number; hub: number; promoterHealth: number },
    readonly logDir: string,
    readonly grpcClient: GrpcClientSettings | undefined,
  ) {}

  static async start(name: string, options: StackOptions): Promise<TestStack> {
    const logDir = `${ROOT_PATH}.artifacts/logs/${
      name.replace(/[^a-z0-9_-]+/gi, "_")
    }-${Date.now()}`;
    await Deno.mkdir(logDir, { recursive: true });
    const identity = await testIdentityProvider();
    const db = await createTestDatabase();
    const redisLease = await leaseRedisDb();
    const topics = await createTestTopics(options.partitions ?? 6);
    for (const kitchen of options.kitchens) await saveKitchen(db.pool, kitchen);
    const ports = {
      grpc: freePort(),
      consumerHealth: freePort(),
      hub: freePort(),
      promoterHealth: freePort(),
    };
    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      REDIS_URL: redisLease.url,
      KAFKA_BROKERS: infraSetting("KAFKA_BROKERS"),
      KAFKA_TOPIC: topics.orders,
      KAFKA_DLQ_TOPIC: topics.deadLetters,
      KAFKA_GROUP_ID: `test-group-${crypto.randomUUID().slice(0, 8)}`,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: String(ports.grpc),
      HEALTH_PORT: String(ports.consumerHealth),
      HUB_HOST: "127.0.0.1",
      HUB_PORT: String(ports.hub),
      PROMOTER_HEALTH_PORT: String(ports.promoterHealth),
      DEFAULT_KITCHEN_ID: options.kitchens[0]?.id ?? "main",
      CONFIG_REFRESH_MS: "200",
      KAFKA_SEND_TIMEOUT_MS: "3000",
      // A killed consumer's partitions move on after 6 s (the broker's minimum), not 30 s.
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      // Tests place many orders as the seed's one customer and phone; a test of the limit sets its own.
      RATE_LIMIT_ORDERS: "1000000",
      LOG_LEVEL: "info",
      AUTH_JWT_SECRET: TEST_SIGNING_KEY,
      // Customers sign in with tokens of the tests' identity provider (OrderApi attaches them).
      ...identity.env,
      // Tests place many orders as few customers from one address; a test of a limit sets its own.
      PEER_RATE_LIMIT_ORDERS: "1000000",
      MAX_OPEN_ORDERS_PER_CUSTOMER: "0",
      CUSTOMER_SLOT_SHARE_PERCENT: "100",
      GRPC_CALLS_PER_S_PER_CONNECTION: "1000000",
      GRPC_CALLS_PER_S_PER_PEER: "1000000",
      LOOKUP_MISSES_LIMIT: "1000000",
      WATCH_MAX_PER_CONNECTION: "10000",
      WATCH_MAX_PER_ORDER: "10000",
      // Tests share a token per role across many sockets and calls; tests of the limits set their own.
      WS_MAX_SOCKETS_PER_TOKEN: "10000",
      HTTP_RATE_PER_SECOND: "100000",
      HTTP_RATE_BURST: "100000",
      ...options.env,
    };
    const stack = new TestStack(
      name,
      db,
      redisLease,
      topics,
      env,
      ports,
      logDir,
      options.grpcClient,
    );
    stack.customers = identity;
    stack.#metrics = options.metrics ?? false;
    stack.authority = readTokenAuthority(env);
    stack.tokens = {
      viewer: await stack.mint("viewer", "test-viewer"),
      kitchen: await stack.mint("kitchen", "test-tablet"),
      manager: await stack.mint("manager", "test-manager"),
    };
    try {
      // The consumer first: it restores (here: initialises) live state, without which intake books nothing.
      for (const service of options.services ?? ["consumer", "intake"]) {
        await stack.startService(service);
      }
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  /**
   * Starts `name` and waits until it is ready, or with `until: "live"` only until its health port
   * answers live (a consumer started into a fault never gets ready).
   */
  async startService(
    name: ServiceName,
    opts: { until?: "ready" | "live" } = {},
  ): Promise<ServiceProcess> {
    let service = this.services.get(name);
    if (!service) {
      const env = { ...this.env, ...this.#metricsEnv(name) };
      service = new ServiceProcess(name, env, this.#readiness(name), this.logDir);
      this.services.set(name, service);
    }
    if (!service.running) {
      await service.start(
        60_000,
        opts.until === "live" && name !== "intake"
          ? () => httpOk(`${this.healthUrl(name)}/healthz`)
          : undefined,
      );
    }
    return service;
  }

  /** http://127.0.0.1:<port> of the service's /healthz and /readyz (not intake: gRPC health). */
  healthUrl(name: Exclude<ServiceName, "intake">): string {
    const port = {
      consumer: this.ports.consumerHealth,
      promoter: this.ports.promoterHealth,
      hub: this.ports.hub,
    }[name];
    return `http://127.0.0.1:${port}`;
  }

  /**
   * Starts another replica of `name` (its own process and ports, the same
   * Redis, Kafka and database), e.g. a second hub or promoter.
   */
  async startReplica(name: ServiceName, replica: number): Promise<ServiceProcess> {
    const key = `${name}#${replica}`;
    let service = this.services.get(key);
    if (!service) {
      const port = freePort();
      this.replicaPorts.set(key, port);
      const env = {
        ...this.env,
        HUB_PORT: name === "hub" ? String(port) : String(freePort()),
        HEALTH_PORT: name === "consumer" ? String(port) : String(freePort()),
        PROMOTER_HEALTH_PORT: name === "promoter" ? String(port) : String(freePort()),
        GRPC_PORT: name === "intake" ? String(port) : String(freePort()),
        ...this.#metricsEnv(key),
      };
      const ready = name === "intake"
        ? () => grpcReady(`127.0.0.1:${port}`, this.grpcClient)
        : () => httpOk(`http://127.0.0.1:${port}/readyz`);
      service = new ServiceProcess(name, env, ready, this.logDir, key.replace("#", "-"));
      this.services.set(key, service);
    }
    if (!service.running) await service.start();
    return service;
  }

  service(name: ServiceName | `${ServiceName}#${number}`): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} was never started in this stack`);
    return s;
  }

  get api(): OrderApi {
    this.#api ??= this.newApi();
    return this.#api;
  }

  /** Another client of intake (its own channel), signing in with the tests' customer tokens. */
  newApi(address = `127.0.0.1:${this.ports.grpc}`): OrderApi {
    return new OrderApi(address, this.grpcClient, this.customers);
  }

  /** The tests' identity provider: customer tokens that this stack's intake accepts. */
  customers: TestIdentityProvider | undefined;

  /** Bearer tokens for the hub, one per role, signed with this stack's key. */
  tokens: Record<Role, string> = { viewer: "", kitchen: "", manager: "" };
  /** The hub's keys and token rules, from this stack's environment. */
  authority!: TokenAuthority;

  /** A new token (a session of its own) for `role`, living `ttlSeconds` (the 12 h cap by default). */
  mint(role: Role, subject: string, ttlSeconds = 12 * 3600, now = new Date()): Promise<string> {
    return mintToken(this.authority, { role, subject, ttlSeconds, now });
  }

  /** Headers that authenticate a hub request as `role`. */
  authHeaders(role: Role): Record<string, string> {
    return { authorization: `Bearer ${this.tokens[role]}` };
  }

  /** fetch() against the hub as `role` (manager by default: allowed everything). */
  hubFetch(url: string, init: RequestInit = {}, role: Role = "manager"): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${this.tokens[role]}`);
    return fetch(url, { ...init, headers });
  }

  /** http://127.0.0.1:<port> of the hub (REST, pages; ws:// for sockets). */
  get hubUrl(): string {
    return `http://127.0.0.1:${this.ports.hub}`;
  }

  get pool(): pg.Pool {
    return this.db.pool;
  }

  get redis(): Redis {
    return this.redisLease.client;
  }

  /** METRICS_PORT for `key` when the stack serves metrics (a port of its own). */
  #metricsEnv(key: string): Record<string, string> {
    if (!this.#metrics) return {};
    if (!this.metricsPorts.has(key)) this.metricsPorts.set(key, freePort());
    return { METRICS_PORT: String(this.metricsPorts.get(key)) };
  }

  #readiness(name: ServiceName): () => Promise<boolean> {
    switch (name) {
      case "intake":
        return () => grpcReady(`127.0.0.1:${this.ports.grpc}`, this.grpcClient);
      default:
        return () => httpOk(`${this.healthUrl(name)}/readyz`);
    }
  }

  /** Records ever written to a topic of this stack (sum of the partitions' end offsets). */
  async kafkaRecordCount(topic = this.topics.orders): Promise<number> {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Redis keys matching `pattern` in this stack's database. */
  async redisKeys(pattern: string): Promise<string[]> {
    return (await keysMatching(this.redis, pattern)).sort();
  }

  async orderCount(kitchenId?: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      kitchenId === undefined
        ? "SELECT count(*) AS n FROM orders"
        : "SELECT count(*) AS n FROM orders WHERE kitchen_id = $1",
      kitchenId === undefined ? [] : [kitchenId],
    );
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    this.#api?.close();
    for (const service of this.services.values()) await service.stop().catch(() => {});
    await this.topics.remove().catch(() => {});
    await this.redisLease.release().catch(() => {});
    await this.db.drop().catch(() => {});
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.ok;
}

async function grpcReady(address: string, client?: GrpcClientSettings): Promise<boolean> {
  const health = new HealthClient(address, client);
  try {
    return await health.serving("ovenline.v1.OrderService");
  } finally {
    health.close();
  }
}
