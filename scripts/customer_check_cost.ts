/**
 * What intake's customer checks cost per order, piece by piece, on this machine:
 *  - a customer token's verification (ES256, RS256, EdDSA), first sight and remembered;
 *  - the order id's HMAC and the request's fingerprint;
 *  - reserve_slot.lua's server time (Redis INFO commandstats) with and without the per-customer
 *    caps (open orders, share of a slot), for orders of new customers and for a customer with two
 *    open orders already.
 * Prints medians and 99th percentiles of batches (not one number). Needs the local stack's Redis
 * (a database leased as the tests lease theirs):
 *   bash scripts/with_infra.sh deno run -A scripts/customer_check_cost.ts [orders]
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { CustomerTokenVerifier } from "../src/adapters/auth/customer_tokens.ts";
import { fingerprintOf, orderIdsKeyedWith } from "../src/adapters/ids/order_ids.ts";
import { READY_MARKER } from "../src/adapters/redis/keys.ts";
import { RedisSlotReservations } from "../src/adapters/redis/slot_reservations.ts";
import { leaseRedisDb } from "../test/support/redis_db.ts";

const orders = Number(Deno.args[0] ?? 2000);
const clock = { now: () => new Date() };
const settings = {
  issuer: "https://id.example",
  audience: "ovenline",
  algorithms: ["ES256", "RS256", "EdDSA"],
  customerClaim: "sub",
  maxLifetimeSeconds: 3600,
  clockSkewSeconds: 60,
};

function quantiles(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs`;
}

/** Microseconds per call of `fn`, over batches of `per` calls. */
async function perCall(batches: number, per: number, fn: (i: number) => unknown) {
  const samples: number[] = [];
  let n = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) await fn(n++);
    samples.push(((performance.now() - t0) * 1000) / per);
  }
  return quantiles(samples);
}

for (const alg of ["ES256", "RS256", "EdDSA"]) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg };
  const verifier = CustomerTokenVerifier.ofKeySet({ keys: [jwk] }, settings, clock);
  const tokens = await Promise.all(
    Array.from(
      { length: 400 },
      (_, i) =>
        new SignJWT({}).setProtectedHeader({ alg, kid: "k" }).setIssuer(settings.issuer)
          .setAudience(settings.audience).setSubject(String(i + 1)).setIssuedAt()
          .setExpirationTime("1h").sign(privateKey),
    ),
  );
  console.log(
    `${alg} token, first sight: ${await perCall(20, 20, (i) => verifier.customerOf(tokens[i]))}`,
  );
  console.log(
    `${alg} token, remembered: ${await perCall(
      20,
      200,
      (i) => verifier.customerOf(tokens[i % 400]),
    )}`,
  );
}

const idFor = orderIdsKeyedWith("a-secret-of-at-least-thirty-two-characters");
const canonical = JSON.stringify(["12345", "Иван", "Иванов", "+79001234567", "ул. Ленина, д. 1"]);
console.log(`order id HMAC + fingerprint: ${await perCall(20, 500, (i) => {
  idFor("12345", `key-${i}`);
  fingerprintOf(canonical);
})}`);

const lease = await leaseRedisDb();
const redis = lease.client;
await redis.set(READY_MARKER, "now");
const reservations = new RedisSlotReservations(redis);
const now = new Date();
const slotMs = 15 * 60_000;
const first = Math.ceil(now.getTime() / slotMs) * slotMs;
const candidates = Array.from({ length: 40 }, (_, i) => ({
  id: `slot:bench:${(first + i * slotMs) / 1000}`,
  start: new Date(first + i * slotMs),
  end: new Date(first + (i + 1) * slotMs),
  businessDate: "2026-01-01",
}));

async function evalUsec(): Promise<{ calls: number; usec: number }> {
  const info = await redis.info("commandstats");
  const line = info.split("\n").find((l) => l.startsWith("cmdstat_evalsha:")) ?? "";
  return {
    calls: Number(/calls=(\d+)/.exec(line)?.[1] ?? 0),
    usec: Number(/usec=(\d+)/.exec(line)?.[1] ?? 0),
  };
}

async function reserveRun(label: string, caps: boolean, customerOf: (i: number) => string) {
  await redis.config("RESETSTAT");
  for (let i = 0; i < orders; i++) {
    await reservations.reserve({
      orderId: crypto.randomUUID(),
      kitchenId: "bench",
      candidates,
      weight: 1,
      capacity: 1_000_000,
      createdAt: now,
      customerId: customerOf(i),
      customerPhone: `+7900${String(i).padStart(7, "0")}`,
      rateLimit: { points: 1_000_000, windowSeconds: 60 },
      fingerprint: caps ? "fingerprint-of-22-chars" : undefined,
      peer: caps
        ? { key: "203.0.113.7", rateLimit: { points: 1_000_000, windowSeconds: 60 } }
        : undefined,
      customerCaps: caps ? { openOrders: 1_000_000, slotLoad: 250_000 } : undefined,
    });
  }
  const { calls, usec } = await evalUsec();
  console.log(`reserve_slot.lua ${label}: ${(usec / calls).toFixed(1)} µs of Redis time per order`);
}

await reserveRun("without the new checks", false, (i) => String(1_000_000 + i));
await reserveRun("with them, a new customer each", true, (i) => String(2_000_000 + i));
// Each customer's first, second and third order: the caps read the open ones' bookings.
const third = Math.ceil(orders / 3);
await reserveRun("with them, 0–2 open orders each", true, (i) => String(3_000_000 + (i % third)));
await lease.release();
