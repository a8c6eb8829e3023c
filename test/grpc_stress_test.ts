/**
 * The intake gRPC server under connection churn and concurrency. Deno 2.9.x
 * aborted inside nghttp2 when grpc-js clients disconnected under load (deno
 * issue 36788); this keeps any runtime upgrade honest.
 */
import assert from "node:assert/strict";
import { Code, expectGrpcError, HealthClient, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { mapLimit, processAlive, waitForOrders } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

const DEADLINE_MS = 10_000;

Deno.test("intake gRPC server under connection churn", async (t) => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("grpc_stress", { kitchens: [kitchen] });
  const address = `127.0.0.1:${stack.ports.grpc}`;
  const intake = stack.service("intake");
  const pid = intake.pid!;
  try {
    await t.step(
      "intake answers 200 connect → call → close cycles from fresh clients",
      async () => {
        const created: string[] = [];
        const outcomes = await mapLimit(Array.from({ length: 200 }, (_, i) => i), 8, async (i) => {
          const api = stack.newApi();
          try {
            if (i % 10 === 0) {
              const res = await api.createOrder(
                seedExampleRequest({ kitchenId: kitchen.id }),
                DEADLINE_MS,
              );
              created.push(res.orderId);
              return "created";
            }
            const metadata = await api.metadata();
            const error = await expectGrpcError(
              new Promise((resolve, reject) =>
                api.raw.getOrder(
                  { orderId: crypto.randomUUID() },
                  metadata,
                  { deadline: Date.now() + DEADLINE_MS },
                  (e, r) => (e ? reject(e) : resolve(r)),
                )
              ),
            );
            assert.equal(error.code, Code.NOT_FOUND, error.message);
            return "not found";
          } finally {
            api.close();
          }
        });
        assert.equal(outcomes.filter((o) => o === "created").length, 20);
        assert.equal(outcomes.filter((o) => o === "not found").length, 180);
        await waitForOrders(stack, created);
      },
    );

    await t.step("intake survives 50 clients that hang up in the middle of a call", async () => {
      await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const api = stack.newApi();
        const call = api.raw.createOrder(
          seedExampleRequest({ kitchenId: kitchen.id, idempotencyKey: `hang-up-${i}` }),
          await api.metadata(),
          { deadline: Date.now() + DEADLINE_MS },
          () => {},
        );
        await new Promise((r) => setTimeout(r, i % 5));
        call.cancel();
        api.close();
      }));
      const health = new HealthClient(address);
      try {
        assert(await health.serving("ovenline.v1.OrderService", 5_000), "still SERVING");
      } finally {
        health.close();
      }
    });

    await t.step(
      "intake answers 64 concurrent CreateOrder callers, each on its own connection",
      async () => {
        const clients = Array.from({ length: 64 }, () => stack.newApi());
        try {
          const started = performance.now();
          const settled = await Promise.allSettled(
            clients.map((api, i) =>
              api.createOrder(
                seedExampleRequest({ kitchenId: kitchen.id, customerId: String(5000 + i) }),
                DEADLINE_MS,
              )
            ),
          );
          const ms = performance.now() - started;
          const failed = settled.filter((s) => s.status === "rejected");
          assert.deepEqual(failed.map((f) => String((f as PromiseRejectedResult).reason)), []);
          const ids = settled.map((s) =>
            (s as PromiseFulfilledResult<{ orderId: string }>).value.orderId
          );
          assert.equal(new Set(ids).size, 64);
          console.log(`64 concurrent CreateOrder calls answered in ${Math.round(ms)} ms`);
          await waitForOrders(stack, ids);
        } finally {
          for (const api of clients) api.close();
        }
      },
    );

    await t.step("intake is the same process, alive and SERVING, after the churn", async () => {
      assert.equal(intake.pid, pid);
      assert(await processAlive(pid), `intake pid ${pid} is alive`);
      const health = new HealthClient(address);
      try {
        assert(await health.serving("ovenline.v1.OrderService", 5_000));
        assert(await health.serving("", 5_000));
      } finally {
        health.close();
      }
      const log = await Deno.readTextFile(intake.logPath);
      assert.doesNotMatch(log, /panic|nghttp2|Segmentation|Aborted/i);
      // One more ordinary call on the long-lived client.
      const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
      assert.equal(res.totalPriceKopecks, "192400");
    });
  } finally {
    await stack.close();
  }
});
