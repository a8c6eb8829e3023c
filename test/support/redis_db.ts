/**
 * Leases one of Redis's numbered databases (1-15) to a test stack, so stacks
 * never see each other's keys. The lease is a key in database 0 that expires
 * by itself if a test process dies.
 */
import { Redis } from "ioredis";
import { infraSetting } from "./infra.ts";

const LEASE_S = 1800;

export interface RedisLease {
  readonly url: string;
  readonly db: number;
  /** A client on the leased database. */
  readonly client: Redis;
  release(): Promise<void>;
  /** Takes the lease again after Redis lost its data (a restart), so no other stack leases this db. */
  reclaim(): Promise<void>;
}

export async function leaseRedisDb(): Promise<RedisLease> {
  const base = infraSetting("REDIS_URL");
  const admin = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      for (let db = 1; db <= 15; db++) {
        const owner = `${Deno.pid}:${crypto.randomUUID()}`;
        if (await admin.set(`ovenline:test:db:${db}`, owner, "EX", LEASE_S, "NX") === "OK") {
          const url = `${base.replace(/\/\d*$/, "")}/${db}`;
          const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
          client.on("error", () => {});
          await client.connect();
          await client.flushdb();
          return {
            url,
            db,
            client,
            reclaim: async () => {
              // The lease lives in database 0; `client` is on the leased one.
              const c = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 2 });
              try {
                await c.connect();
                await c.set(`ovenline:test:db:${db}`, owner, "EX", LEASE_S);
              } finally {
                c.disconnect();
              }
            },
            release: async () => {
              await client.flushdb().catch(() => {});
              client.disconnect();
              const releaser = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 2 });
              await releaser.connect();
              await releaser.eval(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                1,
                `ovenline:test:db:${db}`,
                owner,
              );
              releaser.disconnect();
            },
          };
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("no free Redis test database (1-15) after 60 s");
  } finally {
    admin.disconnect();
  }
}

/** Every stack's lease (database 0), to put back after a Redis restart wiped them. */
export async function saveLeases(): Promise<{ key: string; owner: string; ttlMs: number }[]> {
  const admin = new Redis(infraSetting("REDIS_URL"), {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await admin.connect();
  try {
    const keys = await admin.keys("ovenline:test:db:*");
    const leases = [];
    for (const key of keys) {
      const [owner, ttlMs] = await Promise.all([admin.get(key), admin.pttl(key)]);
      if (owner && ttlMs > 0) leases.push({ key, owner, ttlMs });
    }
    return leases;
  } finally {
    admin.disconnect();
  }
}

/** Puts leases saved by saveLeases() back, so no new stack takes a database still in use. */
export async function restoreLeases(
  leases: readonly { key: string; owner: string; ttlMs: number }[],
): Promise<void> {
  const admin = new Redis(infraSetting("REDIS_URL"), {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await admin.connect();
  try {
    for (const l of leases) await admin.set(l.key, l.owner, "PX", l.ttlMs, "NX");
  } finally {
    admin.disconnect();
  }
}
