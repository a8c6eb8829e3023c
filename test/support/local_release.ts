// deno-lint-ignore-file no-explicit-any -- rendered manifests are untyped YAML
/**
 * The chart rendered for the real infrastructure of `./dev up`, as a release whose Kafka,
 * PostgreSQL and Redis are outside it: a fresh, empty database (the release's migration Job
 * migrates it), a leased Redis database, topics and a consumer group of its own, a kitchen open
 * now, intake knowing the tests' customers (their key set in its Secret), free ports for every
 * service. Its processes run from the rendered containers, locally
 * (rendered_container.ts) or in the image (test/image_test.ts).
 */
import { mintToken } from "../../src/adapters/http/bearer_tokens.ts";
import { saveKitchen } from "../../src/adapters/postgres/kitchen_repository.ts";
import {
  createTestDatabase,
  type TestDatabase,
} from "../../src/adapters/postgres/test_database.ts";
import { readTokenAuthority } from "../../src/config/auth.ts";
import type { KitchenConfig } from "../../src/domain/kitchen.ts";
import { find, type K8sObject, render } from "./chart.ts";
import { HealthClient, OrderApi, seedExampleRequest } from "./grpc_client.ts";
import { infraSetting } from "./infra.ts";
import { type TestIdentityProvider, testIdentityProvider } from "./customer_tokens.ts";
import { createTestTopics, type TestTopics } from "./kafka_topics.ts";
import { testKitchen } from "./kitchens.ts";
import { freePort } from "./ports.ts";
import { leaseRedisDb, type RedisLease } from "./redis_db.ts";
import { waitFor } from "./wait.ts";

/** Where intake's pod has the customers' key set (its Secret's volume). */
export const CUSTOMER_KEYS_DIR = "/etc/ovenline/customer-keys";

export interface LocalRelease {
  readonly objs: K8sObject[];
  /** A local folder with what the pods' volumes hold, by mount point (the customers' key set). */
  readonly volumes: Record<string, string>;
  /** Customer tokens intake accepts (the tests' identity provider, whose key set it has). */
  readonly customers: TestIdentityProvider;
  readonly db: TestDatabase;
  readonly redis: RedisLease;
  readonly topics: TestTopics;
  readonly kitchen: KitchenConfig;
  /** Saves the kitchen (once the migration has made its table). */
  addKitchen(): Promise<void>;
  close(): Promise<void>;
}

/** Renders the chart for `./dev up`'s infrastructure; `values` adds to (or overrides) them. */
export async function localRelease(values: Record<string, unknown> = {}): Promise<LocalRelease> {
  const db = await createTestDatabase({ migrate: false });
  const redis = await leaseRedisDb();
  const topics = await createTestTopics(6);
  const kitchen = testKitchen();
  const customers = await testIdentityProvider();
  const keys = await Deno.makeTempDir({ prefix: "ovenline-release-keys-" });
  const close = async () => {
    await topics.remove();
    await redis.release();
    await db.drop();
    await Deno.remove(keys, { recursive: true });
  };
  try {
    const objs = await render({
      values: {
        defaultKitchenId: kitchen.id,
        kafka: {
          operator: { enabled: false },
          external: {
            brokers: infraSetting("KAFKA_BROKERS"),
            tls: false,
            sasl: { enabled: false },
          },
          topic: { name: topics.orders },
          deadLetterTopic: { name: topics.deadLetters },
          consumerGroup: `release-${crypto.randomUUID().slice(0, 8)}`,
        },
        postgres: { operator: { enabled: false }, external: { url: db.url } },
        redis: { enabled: false, external: { url: redis.url } },
        otel: { enabled: false, collector: { enabled: false } },
        auth: { jwtSecret: `release-test-key-${crypto.randomUUID()}` },
        intake: {
          grpcPort: freePort(),
          metricsPort: freePort(),
          customers: {
            jwks: await Deno.readTextFile(customers.jwksFile),
            issuer: customers.env.CUSTOMER_JWT_ISSUER,
            audience: customers.env.CUSTOMER_JWT_AUDIENCE,
          },
        },
        consumer: { healthPort: freePort(), metricsPort: freePort() },
        promoter: { healthPort: freePort(), metricsPort: freePort() },
        hub: { port: freePort(), metricsPort: freePort() },
        housekeeper: { archive: { persistent: false } },
        deadLetterTool: { enabled: true, args: ["list"] },
        ...values,
      },
    });
    // The key set Secret's volume.
    const secret = find(objs, "Secret", "ovenline-customer-keys");
    await Deno.writeTextFile(`${keys}/jwks.json`, secret.stringData["jwks.json"], { mode: 0o644 });
    await Deno.chmod(keys, 0o755); // readable by the image's user too
    return {
      objs,
      volumes: { [CUSTOMER_KEYS_DIR]: keys },
      customers,
      db,
      redis,
      topics,
      kitchen,
      addKitchen: async () => {
        await saveKitchen(db.pool, kitchen);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The first container of a workload's pod template (Deployment, Job, CronJob). */
export function containerOf(objs: K8sObject[], kind: string, name: string): any {
  const o = find(objs, kind, name);
  const pod = kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
  return pod.containers[0];
}

/** Whether the container's readiness probe passes, asked the way the kubelet asks it. */
export async function ready(container: any): Promise<boolean> {
  const probe = container.readinessProbe;
  if (probe.grpc) return await new HealthClient(`127.0.0.1:${probe.grpc.port}`).serving();
  const res = await fetch(`http://127.0.0.1:${probe.httpGet.port}${probe.httpGet.path}`);
  await res.body?.cancel();
  return res.ok;
}

/**
 * Places the seed's example order on the release's intake and returns it as the hub's REST API
 * shows it (a manager's token minted with the hub's keys, from `hubEnv`).
 */
export async function orderThroughHub(
  release: LocalRelease,
  hubEnv: Record<string, string>,
): Promise<{ orderId: string; shown: any }> {
  const intake = containerOf(release.objs, "Deployment", "ovenline-intake");
  const api = new OrderApi(
    `127.0.0.1:${intake.readinessProbe.grpc.port}`,
    undefined,
    release.customers,
  );
  try {
    const { orderId } = await api.createOrder(
      seedExampleRequest({ idempotencyKey: crypto.randomUUID() }),
    );
    const token = await mintToken(readTokenAuthority(hubEnv), {
      role: "manager",
      subject: "release-test",
      ttlSeconds: 600,
      now: new Date(),
    });
    const url = `http://127.0.0.1:${hubEnv.HUB_PORT}/api/v1/erp/orders/${orderId}`;
    const shown = await waitFor(
      "the hub to show the order",
      async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        if (res.ok) return await res.json();
        await res.body?.cancel();
        return undefined;
      },
      20_000,
      200,
    );
    return { orderId, shown };
  } finally {
    api.close();
  }
}
