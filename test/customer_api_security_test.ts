/**
 * The customer API's findings of the security review (docs/security.md), each as its attack
 * against a real stack, which must now fail, with nothing written:
 *
 * 1. Anyone could book every slot of the day: made-up customer ids, each order a whole slot.
 * 3. An order id was a key to the order: derivable from customer and idempotency key, enough to
 *    read, watch or cancel it (93 guessed cancels); a reused key with another body returned the
 *    original order.
 * 6. WatchOrder had no per-client limits: 500 streams on one channel were accepted.
 */
import assert from "node:assert/strict";
import { type ClientReadableStream, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { v5 as uuidv5 } from "uuid";
import type { OrderStatusUpdate } from "../src/gen/ovenline/v1/order_service.ts";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import {
  Code,
  expectGrpcError,
  OrderApi,
  type RichError,
  richError,
  seedExampleRequest,
} from "./support/grpc_client.ts";
import { TEST_AUDIENCE, TEST_ISSUER } from "./support/customer_tokens.ts";
import { testKitchen } from "./support/kitchens.ts";
import { recordedOrder, waitForOrder } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";
import { stateDifferences, systemState } from "./support/state_snapshot.ts";

/** intake's defaults for the limits the test stack otherwise relaxes (config.ts). */
const DEFAULT_LIMITS = {
  RATE_LIMIT_ORDERS: "20",
  PEER_RATE_LIMIT_ORDERS: "60",
  MAX_OPEN_ORDERS_PER_CUSTOMER: "3",
  CUSTOMER_SLOT_SHARE_PERCENT: "25",
};
/** Мясная costs 999 ₽: 20 of them (19,980 ₽) filled a whole slot of the default kitchen. */
const MEAT = "Мясная";
const SLOT_CAPACITY = 2_000_000;
const REAL_CUSTOMER = "12345";
const ATTACKER = "666";
/** The namespace order ids were derived under, from the source of the version before. */
const OLD_ORDER_NAMESPACE = "5f0c7d3e-8a51-4f7b-9c2e-6d1b0a4e93c7";

function withToken(token: string, extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
  return metadata;
}

/** A CreateOrder through `api.raw` with exactly `metadata` (a token, none, a forged one). */
function createWith(
  api: OrderApi,
  request: ReturnType<typeof seedExampleRequest>,
  metadata: Metadata,
): Promise<RichError | { orderId: string }> {
  return new Promise((resolve) =>
    api.raw.createOrder(
      request,
      metadata,
      { deadline: Date.now() + 15_000 },
      (error, response) => resolve(error ? richError(error) : { orderId: response.orderId }),
    )
  );
}

function cancelWith(
  api: OrderApi,
  orderId: string,
  customerId: string,
  metadata: Metadata,
): Promise<RichError | { status: number }> {
  return new Promise((resolve) =>
    api.raw.cancelOrder(
      { orderId, customerId, reason: "" },
      metadata,
      (error, response) => resolve(error ? richError(error) : { status: response.status }),
    )
  );
}

/** A client with a connection of its own (grpc-js otherwise shares one per address). */
function ownConnection(stack: TestStack): OrderApi {
  return new OrderApi(stack.api.address, {
    credentials: credentials.createInsecure(),
    options: { "grpc.use_local_subchannel_pool": 1 },
  }, stack.customers);
}

const isError = (o: unknown): o is RichError => typeof (o as RichError).code === "number";

/** How many of `outcomes` were refused with `code` and ErrorInfo `reason`. */
function count(outcomes: unknown[], code: Code, reason?: string): number {
  return outcomes.filter((o) =>
    isError(o) && o.code === code && (reason === undefined || o.errorInfo?.reason === reason)
  ).length;
}

/** Loads of the kitchen's booked slots today, by slot key. */
async function slotLoads(stack: TestStack, kitchen: KitchenConfig): Promise<Map<string, number>> {
  const keys = (await stack.redisKeys(`slot:${kitchen.id}:*`)).filter((k) =>
    !k.endsWith(":orders")
  );
  const loads = new Map<string, number>();
  for (const key of keys) loads.set(key, Number(await stack.redis.get(key)));
  return loads;
}

Deno.test("finding 1: anonymous, forged and made-up identities cannot fill a day; a real customer still books", async (t) => {
  // Hour-long slots of 20,000 ₽ until midnight (about noon there now): a dozen slots left today.
  const kitchen = testKitchen({ capacity: SLOT_CAPACITY, slotMinutes: 60 });
  const stack = await TestStack.start("slot_flooding", {
    kitchens: [kitchen],
    env: DEFAULT_LIMITS,
  });
  const api = stack.api;
  const identity = stack.customers!;
  // Today's attack: one whole slot per request, a new made-up customer id each time.
  const wholeSlot = (customerId: string) =>
    seedExampleRequest({
      kitchenId: kitchen.id,
      customerId,
      pizzaName: MEAT,
      quantity: 20,
      idempotencyKey: crypto.randomUUID(),
    });
  const ATTEMPTS = 40;
  const madeUp = Array.from({ length: ATTEMPTS }, (_, i) => String(100_000 + i));
  try {
    const before = await systemState(stack);

    await t.step("without a token every request is UNAUTHENTICATED", async () => {
      const outcomes = await Promise.all(
        madeUp.map((id) => createWith(api, wholeSlot(id), new Metadata())),
      );
      assert.equal(count(outcomes, Code.UNAUTHENTICATED, "UNAUTHENTICATED"), ATTEMPTS);
      assert.match((outcomes[0] as RichError).message, /a customer token is required/);
    });

    await t.step("tokens the chain did not issue are UNAUTHENTICATED", async () => {
      // The attacker's own key under the chain's kid, an unsigned token, an expired one, one
      // for another audience, one that lives for ten years.
      const { privateKey } = await generateKeyPair("ES256");
      const forged = (sub: string) =>
        new SignJWT({})
          .setProtectedHeader({ alg: "ES256", kid: "test-1" })
          .setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setSubject(sub)
          .setIssuedAt().setExpirationTime("1h").sign(privateKey);
      const unsigned = (sub: string) =>
        new UnsecuredJWT({}).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setSubject(sub)
          .setExpirationTime("1h").encode();
      const expired = (sub: string) =>
        identity.sign(sub, 3600, new Date(Date.now() - 2 * 3600_000));
      const decade = (sub: string) => identity.sign(sub, 10 * 365 * 86_400);
      const chainKey = await importJWK(identity.privateJwk, "ES256") as CryptoKey;
      const otherAudience = (sub: string) =>
        new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "test-1" })
          .setIssuer(TEST_ISSUER).setAudience("another-app").setSubject(sub)
          .setIssuedAt().setExpirationTime("1h").sign(chainKey);
      const reasons = new Map<string, RegExp>([
        ["forged", /signature does not verify/],
        ["unsigned", /algorithm is not accepted|not a well-formed/],
        ["expired", /expired/],
        ["decade", /lives longer than/],
        ["otherAudience", /"aud" claim/],
      ]);
      const makers = { forged, unsigned, expired, decade, otherAudience };
      for (const [name, make] of Object.entries(makers)) {
        const outcomes = await Promise.all(
          madeUp.slice(0, 8).map(async (id) =>
            createWith(api, wholeSlot(id), withToken(await make(id)))
          ),
        );
        assert.equal(count(outcomes, Code.UNAUTHENTICATED), 8, name);
        assert.match((outcomes[0] as RichError).message, reasons.get(name)!, name);
      }
    });

    await t.step("a real account naming other customers is PERMISSION_DENIED", async () => {
      const token = await identity.token(ATTACKER);
      const inBody = await Promise.all(
        madeUp.map((id) => createWith(api, wholeSlot(id), withToken(token))),
      );
      assert.equal(count(inBody, Code.PERMISSION_DENIED, "CUSTOMER_MISMATCH"), ATTEMPTS);
      assert.match((inBody[0] as RichError).message, /customer_id 100000 is not the authenticated/);
      // Only a trusted backend-for-frontend may vouch for a customer in metadata.
      const vouched = await Promise.all(
        madeUp.slice(0, 8).map((id) =>
          createWith(api, wholeSlot("0"), withToken(token, { "customer-id": id }))
        ),
      );
      assert.equal(count(vouched, Code.PERMISSION_DENIED, "CUSTOMER_MISMATCH"), 8);
      const vouchedAlone = new Metadata();
      vouchedAlone.set("customer-id", "100001");
      assert.equal(
        (await createWith(api, wholeSlot("0"), vouchedAlone) as RichError).code,
        Code.PERMISSION_DENIED,
      );
    });

    await t.step("so far nothing was written or reserved", async () => {
      assert.deepEqual(stateDifferences(before, await systemState(stack)), []);
    });

    await t.step(
      "the attacker's own account: a whole slot is too large, and three open orders are the most",
      async () => {
        const token = withToken(await identity.token(ATTACKER));
        const whole = await createWith(api, wholeSlot("0"), token);
        assert.ok(isError(whole));
        assert.equal(whole.code, Code.FAILED_PRECONDITION);
        assert.equal(whole.errorInfo?.reason, "ORDER_TOO_LARGE");
        assert.equal(whole.errorInfo?.metadata.max_weight, String(SLOT_CAPACITY / 4));
        // A quarter of a slot each (5 × 999 ₽), one after the other.
        const accepted: string[] = [];
        const refused: RichError[] = [];
        for (let i = 0; i < 10; i++) {
          const outcome = await createWith(
            api,
            { ...wholeSlot("0"), quantity: 5 },
            token,
          );
          if (isError(outcome)) refused.push(outcome);
          else accepted.push(outcome.orderId);
        }
        assert.equal(accepted.length, 3, JSON.stringify(refused.slice(0, 3)));
        assert.equal(refused.length, 7);
        for (const e of refused) {
          assert.equal(e.code, Code.RESOURCE_EXHAUSTED);
          assert.equal(e.errorInfo?.reason, "OPEN_ORDERS_LIMIT");
          assert.ok((e.retryDelayMs ?? 0) > 0, "says when one of them ends");
        }
        // A quarter of a slot is its share of each slot: three slots, one order in each.
        await Promise.all(accepted.map((id) => waitForOrder(stack, id)));
        const orders = await Promise.all(accepted.map((id) => recordedOrder(stack, id)));
        assert.equal(new Set(orders.map((o) => o!.targetSlotId)).size, 3);
      },
    );

    await t.step("the day still has room for a real customer", async () => {
      const loads = await slotLoads(stack, kitchen);
      assert.equal(loads.size, 3, "only the attacker's three slots hold anything");
      for (const load of loads.values()) assert.ok(load <= SLOT_CAPACITY / 4, `${load}`);
      const order = await stack.api.createOrder(seedExampleRequest({
        kitchenId: kitchen.id,
        customerId: REAL_CUSTOMER,
      }));
      await waitForOrder(stack, order.orderId);
      assert.equal((await recordedOrder(stack, order.orderId))?.customer.id, REAL_CUSTOMER);
      // customer_id left unset (0) is the signed-in customer's.
      const unset = await stack.api.createOrder(seedExampleRequest({
        kitchenId: kitchen.id,
        customerId: "0",
      }));
      await waitForOrder(stack, unset.orderId);
      assert.equal((await recordedOrder(stack, unset.orderId))?.customer.id, REAL_CUSTOMER);
    });
  } finally {
    await stack.close();
  }
});

Deno.test("finding 1, anonymous mode (trusted networks only): made-up ids from one address meet the per-peer limit and the slot share", async () => {
  const kitchen = testKitchen({ capacity: SLOT_CAPACITY, slotMinutes: 60 });
  const stack = await TestStack.start("slot_flooding_anonymous", {
    kitchens: [kitchen],
    env: { ...DEFAULT_LIMITS, ALLOW_ANONYMOUS_CUSTOMERS: "true", PEER_RATE_LIMIT_ORDERS: "5" },
  });
  try {
    const order = (customerId: string, quantity: number, spoofedFrom?: string) => {
      const metadata = new Metadata();
      if (spoofedFrom) metadata.set("x-forwarded-for", spoofedFrom);
      return createWith(
        stack.api,
        seedExampleRequest({
          kitchenId: kitchen.id,
          customerId,
          pizzaName: MEAT,
          quantity,
          idempotencyKey: crypto.randomUUID(),
        }),
        metadata,
      );
    };
    // A whole slot is too large whoever asks.
    const whole = await order("200000", 20);
    assert.ok(isError(whole) && whole.errorInfo?.reason === "ORDER_TOO_LARGE");
    // Quarter-slot orders from 40 made-up ids, with made-up x-forwarded-for addresses that an
    // address not among the trusted proxies cannot vouch for.
    const outcomes = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(await order(String(200_001 + i), 5, `198.51.100.${i}`));
    }
    const accepted = outcomes.filter((o) => !isError(o));
    assert.equal(accepted.length, 5);
    assert.equal(count(outcomes, Code.RESOURCE_EXHAUSTED, "RATE_LIMITED"), 35);
    const limited = outcomes.find(isError)!;
    assert.equal(limited.errorInfo?.metadata.subject, "peer");
    assert.match(limited.message, /too many orders for this peer/);
    const loads = [...(await slotLoads(stack, kitchen)).values()];
    assert.equal(loads.reduce((a, b) => a + b, 0), 5 * 5 * 99_900, "five quarter-slot orders");
  } finally {
    await stack.close();
  }
});

Deno.test("finding 1: calls per connection and per peer are limited before any token is checked", async (t) => {
  const stack = await TestStack.start("call_rates", {
    kitchens: [testKitchen()],
    env: { GRPC_CALLS_PER_S_PER_CONNECTION: "5", GRPC_CALLS_PER_S_PER_PEER: "20" },
  });
  const connection = () => ownConnection(stack);
  /** A GetOrder of an order nobody has, signed in with `metadata` (a bad token costs as little). */
  const lookup = (api: OrderApi, metadata: Metadata) =>
    new Promise<RichError>((resolve) =>
      api.raw.getOrder(
        { orderId: crypto.randomUUID() },
        metadata,
        (e) => resolve(richError(e)),
      )
    );
  const limited = (outcomes: RichError[], subject: string) =>
    outcomes.filter((e) =>
      e.code === Code.RESOURCE_EXHAUSTED && e.errorInfo?.metadata.subject === subject
    ).length;
  try {
    await t.step("one connection: a burst of 10, then 5 calls a second", async () => {
      const api = connection();
      const forged = withToken("not-a-token");
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => lookup(api, forged)));
      assert.ok(limited(outcomes, "connection") >= 50, `${limited(outcomes, "connection")}`);
      const limit = outcomes.find((e) => e.errorInfo?.metadata.subject === "connection")!;
      assert.match(limit.message, /too many calls for this connection/);
      // The calls let through were checked, and refused for their token.
      assert.ok(outcomes.some((e) => e.code === Code.UNAUTHENTICATED));
      api.close();
    });

    await t.step("one address over many connections: a burst of 40, then 20 a second", async () => {
      const metadata = await stack.api.metadata(REAL_CUSTOMER);
      const apis = Array.from({ length: 30 }, connection);
      const outcomes = (await Promise.all(
        apis.map((api) => Promise.all(Array.from({ length: 10 }, () => lookup(api, metadata)))),
      )).flat();
      assert.equal(limited(outcomes, "connection"), 0, "each connection stays within its rate");
      assert.ok(limited(outcomes, "peer") >= 150, `${limited(outcomes, "peer")}`);
      for (const api of apis) api.close();
    });
  } finally {
    await stack.close();
  }
});

Deno.test("finding 3: order ids cannot be derived, orders are their customer's only, guessing is rate-limited, a reused key is refused", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("order_ids", {
    kitchens: [kitchen],
    env: { LOOKUP_MISSES_LIMIT: "20" },
  });
  const identity = stack.customers!;
  const victimToken = withToken(await identity.token(REAL_CUSTOMER));
  const attackerToken = withToken(await identity.token(ATTACKER));
  const raw = stack.api.raw;
  const request = seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey: "k-1" });
  try {
    const placed = await createWith(stack.api, request, victimToken);
    assert.ok(!isError(placed));
    const victimOrder = placed.orderId;
    await waitForOrder(stack, victimOrder);

    await t.step("the id is not the one the source's namespace derives", async () => {
      const derived = uuidv5(`${REAL_CUSTOMER}:k-1`, OLD_ORDER_NAMESPACE);
      assert.notEqual(victimOrder, derived);
      assert.match(victimOrder, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-/);
      const lookedUp = await expectGrpcError(
        new Promise((resolve, reject) =>
          raw.getOrder({ orderId: derived }, victimToken, (e, r) => (e ? reject(e) : resolve(r)))
        ),
      );
      assert.equal(lookedUp.code, Code.NOT_FOUND);
    });

    await t.step("another customer cannot read, watch or cancel it", async () => {
      const get = await expectGrpcError(
        new Promise((resolve, reject) =>
          raw.getOrder(
            { orderId: victimOrder },
            attackerToken,
            (e, r) => (e ? reject(e) : resolve(r)),
          )
        ),
      );
      assert.equal(get.code, Code.NOT_FOUND);
      const watch = await new Promise<ServiceError>((resolve) =>
        raw.watchOrder({ orderId: victimOrder }, attackerToken).on("error", resolve)
      );
      assert.equal(watch.code, Code.NOT_FOUND);
      const asVictim = await cancelWith(stack.api, victimOrder, REAL_CUSTOMER, attackerToken);
      assert.ok(isError(asVictim) && asVictim.code === Code.PERMISSION_DENIED);
      const asSelf = await cancelWith(stack.api, victimOrder, "0", attackerToken);
      assert.ok(isError(asSelf) && asSelf.code === Code.NOT_FOUND);
      // The owner still can read it.
      const own = await stack.api.getOrder({ orderId: victimOrder }, REAL_CUSTOMER);
      assert.equal(own.orderId, victimOrder);
    });

    await t.step("93 guessed cancels all fail, and the guesser is rate-limited", async () => {
      const guesses = [
        ...Array.from(
          { length: 92 },
          (_, i) => uuidv5(`${REAL_CUSTOMER}:${i}`, OLD_ORDER_NAMESPACE),
        ),
        victimOrder, // even the right id, once the guesser has been stopped
      ];
      const outcomes = [];
      for (const id of guesses) outcomes.push(await cancelWith(stack.api, id, "0", attackerToken));
      assert.equal(outcomes.filter((o) => !isError(o)).length, 0, "no cancel got through");
      // The limit is 20 misses: three above (get, watch, cancel), then 17 guesses.
      assert.equal(count(outcomes, Code.NOT_FOUND), 17);
      assert.equal(count(outcomes, Code.RESOURCE_EXHAUSTED, "RATE_LIMITED"), 76);
      const limited = outcomes.find((o) => isError(o) && o.code === Code.RESOURCE_EXHAUSTED)!;
      assert.match(
        (limited as RichError).message,
        /too many failed order lookups for this customer/,
      );
      assert.ok(((limited as RichError).retryDelayMs ?? 0) > 0);
      // The owner is not locked out, and the order is as it was.
      const own = await stack.api.getOrder({ orderId: victimOrder }, REAL_CUSTOMER);
      assert.equal(own.status, 1); // ORDER_STATUS_PENDING
      assert.equal((await recordedOrder(stack, victimOrder))?.status, "pending");
    });

    await t.step(
      "the same key with another request is ALREADY_EXISTS naming the key; the same request is the same order",
      async () => {
        const before = await systemState(stack);
        const reused = await createWith(stack.api, { ...request, quantity: 3 }, victimToken);
        assert.ok(isError(reused));
        assert.equal(reused.code, Code.ALREADY_EXISTS);
        assert.equal(reused.errorInfo?.reason, "IDEMPOTENCY_KEY_REUSED");
        assert.equal(reused.errorInfo?.metadata.idempotency_key, "k-1");
        assert.match(
          reused.message,
          /idempotency key "k-1" was already used for a different order/,
        );
        const other = await createWith(
          stack.api,
          { ...request, deliveryAddress: "ул. Другая, д. 2" },
          victimToken,
        );
        assert.ok(isError(other) && other.code === Code.ALREADY_EXISTS);
        assert.deepEqual(stateDifferences(before, await systemState(stack)), []);
        // Normalised alike (spaces around a name) is the same request: a retry.
        const retry = await createWith(
          stack.api,
          { ...request, customerFirstName: " Иван " },
          victimToken,
        );
        assert.deepEqual(retry, { orderId: victimOrder });
        // Another customer's key of the same name is another order, never the victim's.
        const theirs = await createWith(stack.api, { ...request, customerId: "0" }, attackerToken);
        assert.ok(!isError(theirs));
        assert.notEqual(theirs.orderId, victimOrder);
      },
    );
  } finally {
    await stack.close();
  }
});

Deno.test("finding 6: WatchOrder streams are capped per connection and per order, and end at their longest duration", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("watch_limits", {
    kitchens: [kitchen],
    env: {
      WATCH_MAX_PER_CONNECTION: "16",
      WATCH_MAX_PER_ORDER: "8",
      WATCH_MAX_DURATION_S: "12",
    },
  });
  const metadata = await stack.api.metadata(REAL_CUSTOMER);
  const open: ClientReadableStream<OrderStatusUpdate>[] = [];
  const served: { ended: Promise<ServiceError> }[] = [];
  /** Opens a watch; resolves "watching" at its first update, or with its error. */
  const watch = (api: OrderApi, orderId: string) =>
    new Promise<"watching" | RichError>((resolve) => {
      const call = api.raw.watchOrder({ orderId }, metadata);
      open.push(call);
      const ended = new Promise<ServiceError>((end) => call.on("error", end));
      call.on("data", () => {
        served.push({ ended });
        resolve("watching");
      });
      ended.then((e) => resolve(richError(e)));
    });
  try {
    const orders = await Promise.all(
      Array.from(
        { length: 20 },
        () => stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id })),
      ),
    );
    const ids = orders.map((o) => o.orderId);

    await t.step(
      "500 streams on one channel: 16 are served, the rest refused at once",
      async () => {
        const channel = ownConnection(stack);
        const outcomes = await Promise.all(
          Array.from({ length: 500 }, (_, i) => watch(channel, ids[i % ids.length])),
        );
        assert.equal(outcomes.filter((o) => o === "watching").length, 16);
        const refused = outcomes.filter(isError);
        assert.equal(refused.length, 484);
        for (const e of refused) {
          assert.equal(e.code, Code.RESOURCE_EXHAUSTED);
          assert.equal(e.errorInfo?.reason, "WATCH_LIMIT");
          assert.equal(e.errorInfo?.metadata.scope, "connection");
        }
        // Another connection has its own 16.
        const second = ownConnection(stack);
        const more = await Promise.all(ids.slice(0, 17).map((id) => watch(second, id)));
        assert.equal(more.filter((o) => o === "watching").length, 16);
      },
    );

    await t.step("one order: at most 8 streams, whatever the connections", async () => {
      const order = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () => watch(ownConnection(stack), order.orderId)),
      );
      assert.equal(outcomes.filter((o) => o === "watching").length, 8);
      for (const e of outcomes.filter(isError)) {
        assert.equal(e.errorInfo?.metadata.scope, "order");
      }
    });

    await t.step(
      "a stream ends at its longest duration, telling the client to watch again",
      async () => {
        const e = richError(await served[0].ended);
        assert.equal(e.code, Code.UNAVAILABLE);
        assert.equal(e.errorInfo?.reason, "WATCH_EXPIRED");
        assert.match(e.message, /lasts at most 12 s; call WatchOrder again/);
      },
    );
  } finally {
    for (const call of open) call.cancel();
    await stack.close();
  }
});
