/**
 * Telemetry against the real services (issue 5): a test OTLP/HTTP receiver
 * collects what Deno's built-in OpenTelemetry exports while one order is
 * placed (with the client's traceparent in the gRPC metadata), delivered to
 * a KDS socket, moved through its statuses, and a pre-order is promoted.
 * Then the metrics of a known sequence, read where Prometheus reads them (each
 * service's /metrics), the logs, and the alert rules against the metrics the
 * services really served.
 */
import assert from "node:assert/strict";
import { Metadata } from "@grpc/grpc-js";
// The chart's cdk8s code parses the same file with this package; once deno.json maps
// "yaml": "npm:yaml@2.9.1", import it as "yaml" and drop the ignore.
// deno-lint-ignore no-import-prefix
import { parse as parseYaml } from "npm:yaml@2.9.1";
import type { OrderResponse } from "../src/gen/ovenline/v1/order_service.ts";
import type { FlatSpan } from "../src/observability/otlp/otlp_json.ts";
import { traceTree } from "../src/observability/otlp/trace_tree.ts";
import { expectGrpcError, seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { produceRaw, readTopic } from "./support/observe.ts";
import { OtlpReceiver } from "./support/otlp_receiver.ts";
import { metricNamesIn } from "./support/promql_names.ts";
import { scrape, valueOf } from "./support/prometheus_text.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

const ROOT = new URL("../", import.meta.url);
const PHONE = "+79001234567"; // the seed's example phone, as every order here sends it
const SERVER = 2, CLIENT = 3, PRODUCER = 4, CONSUMER = 5;

const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0"))
    .join("");

/** A client-side trace: the gRPC call carries its traceparent, as an instrumented app would. */
function clientTrace() {
  const traceId = hex(16);
  const spanId = hex(8);
  const metadata = new Metadata();
  metadata.set("traceparent", `00-${traceId}-${spanId}-01`);
  return { traceId, spanId, metadata };
}

async function createTraced(
  stack: TestStack,
  metadata: Metadata,
  overrides: Parameters<typeof seedExampleRequest>[0],
): Promise<OrderResponse> {
  // Signed in as the seed's customer, as the app would be.
  const signedIn = metadata.clone();
  signedIn.merge(await stack.api.metadata(overrides?.customerId));
  return await new Promise((resolve, reject) =>
    stack.api.raw.createOrder(
      seedExampleRequest(overrides),
      signedIn,
      { deadline: Date.now() + 15_000 },
      (error, response) => (error ? reject(error) : resolve(response)),
    )
  );
}

async function setStatus(stack: TestStack, orderId: string, status: string): Promise<void> {
  const res = await stack.hubFetch(`${stack.hubUrl}/api/v1/erp/orders/${orderId}/status`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status }),
  }, "kitchen");
  assert.equal(res.status, 202, await res.text());
}

function one(spans: readonly FlatSpan[], what: string, predicate: (s: FlatSpan) => boolean) {
  const found = spans.filter(predicate);
  assert.equal(found.length, 1, `exactly one ${what}; the trace:\n${traceTree(spans).join("\n")}`);
  return found[0];
}

Deno.test("observability: traces, metrics, logs and alert rules from the live services", async (t) => {
  const receiver = await OtlpReceiver.start();
  const kitchen = testKitchen();
  const counted = testKitchen(); // the metrics step's 5 orders go here
  const tooSmall = testKitchen({ capacityUnit: "items", capacity: 1 }); // every 2-pizza order is "full"
  const stack = await TestStack.start("observability", {
    kitchens: [kitchen, counted, tooSmall],
    services: ["consumer", "intake", "promoter", "hub"],
    env: { ...receiver.env, LOG_LEVEL: "debug" },
    metrics: true,
  });
  const ws = (channel: string) =>
    TestSocket.open(
      `ws://127.0.0.1:${stack.ports.hub}/ws/${channel}?kitchen=${kitchen.id}`,
      stack.tokens.viewer,
    );
  const kds = await ws("kds");
  const erp = await ws("erp");
  const topic = stack.topics.orders;
  let creation: { traceId: string; orderId: string } | undefined;
  try {
    await kds.waitFor("the KDS snapshot", (r) => r.message.type === "snapshot");
    await erp.waitFor("the ERP snapshot", (r) => r.message.type === "snapshot");

    await t.step(
      "one order's creation is one trace, from CreateOrder to the KDS socket",
      async () => {
        const client = clientTrace();
        const placed = await createTraced(stack, client.metadata, { idempotencyKey: "traced-1" });
        creation = { traceId: client.traceId, orderId: placed.orderId };
        await kds.waitFor(
          "order.visible on the KDS",
          (r) => r.message.type === "order.visible" && r.message.order?.id === placed.orderId,
        );
        const delivery = await receiver.waitForSpan(
          "the KDS delivery span",
          (s) => s.traceId === client.traceId && s.name === "ws deliver kds",
        );
        // Services export in batches of their own: wait for every span of the creation.
        const expected = [
          "ovenline.v1.OrderService/CreateOrder",
          "redis reserve_slot",
          `send ${topic}`,
          `process ${topic}`,
          "postgresql transaction",
          "redis apply_order",
          "hub broadcast order.visible",
        ];
        const spans = await waitFor("every span of the creation", () => {
          const names = new Set(receiver.trace(client.traceId).map((s) => s.name));
          return expected.every((n) => names.has(n)) ? receiver.trace(client.traceId) : undefined;
        }, 15_000);
        console.log(traceTree(spans).join("\n"));

        const server = one(
          spans,
          "CreateOrder server span",
          (s) => s.name === "ovenline.v1.OrderService/CreateOrder",
        );
        assert.equal(server.service, "intake");
        assert.equal(server.kind, SERVER);
        assert.equal(
          server.parentSpanId,
          client.spanId,
          "continues the client's span from metadata",
        );
        assert.equal(server.attributes["rpc.system"], "grpc");
        assert.equal(server.attributes["ovenline.order.id"], placed.orderId);

        const reserve = one(spans, "reserve_slot span", (s) => s.name === "redis reserve_slot");
        assert.equal(reserve.parentSpanId, server.spanId);
        assert.equal(reserve.kind, CLIENT);
        assert.equal(reserve.attributes["db.system.name"], "redis");

        const producer = one(
          spans,
          "producer span",
          (s) => s.kind === PRODUCER && s.service === "intake",
        );
        assert.equal(producer.name, `send ${topic}`);
        assert.equal(producer.parentSpanId, server.spanId);
        assert.equal(producer.attributes["messaging.system"], "kafka");
        assert.equal(producer.attributes["messaging.destination.name"], topic);
        assert.equal(producer.attributes["messaging.operation.type"], "send");
        assert.equal(producer.attributes["messaging.kafka.message.key"], placed.orderId);

        // The record on the topic carries the producer span's traceparent in its headers.
        const [record] = await readTopic(topic, 1);
        assert.equal(record.key, placed.orderId);
        assert.equal(record.headers.traceparent, `00-${client.traceId}-${producer.spanId}-01`);

        const consumer = one(spans, "consumer process span", (s) => s.kind === CONSUMER);
        assert.equal(consumer.service, "consumer");
        assert.equal(consumer.name, `process ${topic}`);
        assert.equal(
          consumer.parentSpanId,
          producer.spanId,
          "child of the producer via the header",
        );
        assert.equal(consumer.attributes["messaging.system"], "kafka");
        assert.equal(consumer.attributes["messaging.operation.type"], "process");
        assert.equal(consumer.attributes["messaging.destination.name"], topic);
        assert.equal(
          consumer.attributes["messaging.consumer.group.name"],
          stack.env.KAFKA_GROUP_ID,
        );
        assert.equal(
          consumer.attributes["messaging.destination.partition.id"],
          String(record.partition),
        );
        assert.equal(Number(consumer.attributes["messaging.kafka.offset"]), Number(record.offset));
        assert.equal(consumer.attributes["messaging.kafka.message.key"], placed.orderId);

        const postgres = one(
          spans,
          "PostgreSQL transaction span",
          (s) => s.name === "postgresql transaction",
        );
        assert.equal(postgres.parentSpanId, consumer.spanId);
        assert.equal(postgres.attributes["db.system.name"], "postgresql");
        const apply = one(spans, "apply_order span", (s) => s.name === "redis apply_order");
        assert.equal(apply.parentSpanId, consumer.spanId);

        const broadcast = one(
          spans,
          "broadcast of order.visible",
          (s) => s.name === "hub broadcast order.visible",
        );
        assert.equal(broadcast.service, "hub");
        assert.equal(
          broadcast.parentSpanId,
          apply.spanId,
          "child of the span that wrote the entry",
        );
        assert.equal(delivery.parentSpanId, broadcast.spanId);
        assert.equal(delivery.attributes["ovenline.ws.channel"], "kds");
        for (const s of spans) {
          assert.equal(s.traceId, client.traceId);
        }

        // The trace goes on in Redis: on the stream entries and on the order's reservation.
        const entries = await stack.redis.xrange("ovenline:events", "-", "+");
        const visible = entries.map(([, f]) =>
          Object.fromEntries(
            f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])),
          )
        ).find((f) => f.type === "order.visible" && f.id === placed.orderId);
        assert.equal(visible?.traceparent, `00-${client.traceId}-${apply.spanId}-01`);
        assert.equal(
          await stack.redis.hget(`order:slot:${placed.orderId}`, "traceparent"),
          visible?.traceparent,
        );
      },
    );

    await t.step(
      "status changes are traced through Kafka and linked to the order's trace",
      async () => {
        const { traceId, orderId } = creation!;
        for (const status of ["preparing", "cooking"]) {
          await setStatus(stack, orderId, status);
          await kds.waitFor(
            `${status} on the KDS`,
            (r) => r.message.type === "order.status_changed" && r.message.order?.status === status,
          );
        }
        const changes = await waitFor("two status change spans with their deliveries", () => {
          const roots = receiver.spans.filter((s) =>
            s.name === "ovenline.order.status_change" &&
            s.attributes["ovenline.order.id"] === orderId
          );
          const names = [
            `send ${topic}`,
            `process ${topic}`,
            "redis apply_order",
            "ws deliver kds",
          ];
          const complete = roots.filter((r) => {
            const inTrace = new Set(receiver.trace(r.traceId).map((s) => s.name));
            return names.every((n) => inTrace.has(n));
          });
          return complete.length === 2 ? complete : undefined;
        }, 15_000);
        for (const change of changes) {
          assert.equal(change.service, "hub");
          assert(change.links.some((l) => l.traceId === traceId), "linked to the creation trace");
          const spans = receiver.trace(change.traceId);
          const producer = one(spans, "status producer span", (s) => s.name === `send ${topic}`);
          assert.equal(producer.kind, PRODUCER);
          assert.equal(producer.parentSpanId, change.spanId);
          assert.equal(producer.attributes["ovenline.event.kind"], "status_change");
          const consumer = one(spans, "status consumer span", (s) => s.kind === CONSUMER);
          assert.equal(consumer.parentSpanId, producer.spanId);
          one(spans, "status broadcast", (s) => s.name === "hub broadcast order.status_changed");
        }
      },
    );

    await t.step(
      "a promoted pre-order's KDS event joins its creation trace; the promotion links to it",
      async () => {
        const client = clientTrace();
        const later = await createTraced(stack, client.metadata, {
          idempotencyKey: "traced-pre-order",
          requestedTime: new Date(Date.now() + 3 * 3_600_000),
        });
        await waitFor(
          "the pre-order to be scheduled",
          async () =>
            (await stack.redis.zscore("erp:orders:pending_slots", later.orderId)) !== null,
        );
        // Its visible_at is hours away: bring it forward, as if that time had come.
        await stack.redis.zadd("erp:orders:pending_slots", Date.now(), later.orderId);
        await erp.waitFor(
          "order.visible of the pre-order on the dashboard",
          (r) => r.message.type === "order.visible" && r.message.order?.id === later.orderId,
        );
        const promotion = await receiver.waitForSpan(
          "the promotion span",
          (s) =>
            s.name === "redis promote_due" && s.links.some((l) => l.traceId === client.traceId),
        );
        assert.equal(promotion.service, "promoter");
        const delivery = await receiver.waitForSpan(
          "the dashboard delivery in the creation trace",
          (s) =>
            s.traceId === client.traceId && s.name === "ws deliver erp" &&
            s.attributes["ovenline.event.type"] === "order.visible",
        );
        const broadcast = await receiver.waitForSpan(
          "the broadcast of the promoted order.visible",
          (s) => s.spanId === delivery.parentSpanId,
        );
        assert.equal(broadcast.name, "hub broadcast order.visible");
        const apply = await receiver.waitForSpan(
          "the span whose traceparent the reservation kept",
          (s) => s.spanId === broadcast.parentSpanId,
        );
        assert.equal(apply.name, "redis apply_order", "the traceparent kept on the reservation");
      },
    );

    await t.step("metrics: 5 created and 2 rejected as full read 5 and 2 at /metrics", async () => {
      for (let i = 0; i < 5; i++) {
        await stack.api.createOrder(seedExampleRequest({ kitchenId: counted.id }));
      }
      for (let i = 0; i < 2; i++) {
        const error = await expectGrpcError(
          stack.api.createOrder(seedExampleRequest({ kitchenId: tooSmall.id, quantity: 2 })),
        );
        assert.equal(error.errorInfo?.reason, "SLOTS_FULL");
      }
      await expectGrpcError(stack.api.createOrder(seedExampleRequest({ customerPhone: "12" })));
      // A record the consumer can never decode: one dead letter.
      await produceRaw(topic, [{ key: "not-an-order", value: new Uint8Array([0xff, 0xff, 0xff]) }]);

      const of = (service: string) => scrape(stack.metricsPorts.get(service)!);
      await waitFor("the counters at /metrics", async () => {
        const intake = await of("intake");
        const consumer = await of("consumer");
        return valueOf(intake, "ovenline_orders_created_total", { kitchen: counted.id }) === 5 &&
          valueOf(intake, "ovenline_orders_rejected_total", { reason: "slots_full" }) === 2 &&
          valueOf(intake, "ovenline_orders_rejected_total", { reason: "invalid" }) === 1 &&
          valueOf(consumer, "ovenline_dead_letters_total") === 1 &&
          valueOf(consumer, "ovenline_bookings_held") === 0; // every send acknowledged: none held
      }, 15_000);
      const intake = await of("intake");
      assert.equal(valueOf(intake, "ovenline_orders_created_total", { kitchen: kitchen.id }), 2);
      const duration = "ovenline_order_create_duration_seconds";
      assert.equal(valueOf(intake, `${duration}_count`, { outcome: "created" }), 7, "7 timed");
      assert.equal(intake.units.get(duration), "s");
      assert.ok(
        valueOf(intake, `${duration}_bucket`, { outcome: "created", le: "0.5" }) !== undefined,
        "the SLO threshold is a bucket boundary",
      );
      assert.equal(valueOf(intake, `${duration}_count`, { outcome: "rejected" }), 3);

      // Lag, from the consumer and from intake (which keeps it visible when no consumer runs).
      for (const service of ["consumer", "intake"]) {
        await waitFor(`consumer lag 0 on every partition, from ${service}`, async () => {
          const lag = (await of(service)).samples.filter((x) => x.name === "ovenline_consumer_lag");
          return lag.length === 6 && lag.every((x) => x.value === 0) &&
            lag.every((x) => x.labels.group === stack.env.KAFKA_GROUP_ID);
        }, 15_000);
      }
      await waitFor("one KDS and one dashboard socket counted", async () => {
        const hub = await of("hub");
        return valueOf(hub, "ovenline_websocket_connections", { channel: "kds" }) === 1 &&
          valueOf(hub, "ovenline_websocket_connections", { channel: "erp" }) === 1;
      });
      const hub = await of("hub");
      assert.equal(
        valueOf(hub, "ovenline_slot_fill_ratio", { kitchen: tooSmall.id }),
        0,
        "nothing was booked in the too-small kitchen",
      );
      assert.ok(
        hub.samples.some((x) =>
          x.name === "ovenline_slot_fill_ratio" && x.labels.kitchen === counted.id && x.value > 0
        ),
        "the counted kitchen's current slot has load",
      );
      await waitFor(
        "order-to-KDS latency and promotion delay recorded",
        async () =>
          (valueOf(await of("hub"), "ovenline_order_kds_latency_seconds_count") ?? 0) >= 1 &&
          valueOf(await of("promoter"), "ovenline_promotion_delay_seconds_count") === 1,
      );
      // Not over OTLP: Deno's exporter carries only its own runtime metrics there.
      assert.ok(!receiver.metrics.some((x) => x.name.startsWith("ovenline.")));
    });

    await t.step("a log line for an order carries its trace id and no unmasked phone", async () => {
      const { traceId, orderId } = creation!;
      const intakeLog = await Deno.readTextFile(stack.service("intake").logPath);
      const line = intakeLog.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
        .find((l) => l.msg === "order accepted" && l.orderId === orderId);
      assert(line, "intake logged the accepted order");
      assert.equal(line.trace_id, traceId);
      assert.match(line.span_id, /^[0-9a-f]{16}$/);
      assert.equal(line.customerPhone, "+790******67");
      for (const name of ["intake", "consumer", "promoter", "hub"]) {
        const text = await Deno.readTextFile(stack.service(name as "intake").logPath);
        assert(!text.includes(PHONE), `${name}'s log holds no unmasked phone`);
      }
      const exported = receiver.logs.find((l) => l.traceId === traceId);
      assert(exported, "the line is exported over OTLP with its trace id too");
      assert(!receiver.logs.some((l) => l.body.includes(PHONE)), "no exported log holds the phone");
    });

    await t.step(
      "every alert expression uses only exported metrics, and every alert has a runbook",
      async () => {
        const served = await Promise.all(
          ["intake", "consumer", "promoter", "hub"].map((x) => scrape(stack.metricsPorts.get(x)!)),
        );
        const exported = new Set(served.flatMap((x) => x.samples.map((sample) => sample.name)));
        const rules = parseYaml(
          await Deno.readTextFile(new URL("deploy/observability/alerts.yaml", ROOT)),
        ) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
        const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
        assert(
          alerts.length >= 6,
          "alerts for lag, dead letters, errors, latency, promotion, slots",
        );
        for (const rule of alerts) {
          const names = metricNamesIn(String(rule.expr));
          assert(names.length > 0, `${rule.alert}: no metric in its expression`);
          const unknown = names.filter((n) => !exported.has(n));
          assert.deepEqual(unknown, [], `${rule.alert} refers to metrics no service exported`);
          const runbook = `docs/runbooks/${rule.alert}.md`;
          const annotations = rule.annotations as Record<string, string>;
          assert(annotations?.runbook_url?.endsWith(runbook), `${rule.alert}: runbook_url`);
          const text = await Deno.readTextFile(new URL(runbook, ROOT));
          for (const heading of ["## What it means", "## How to check", "## How to fix"]) {
            assert(text.includes(heading), `${runbook} has "${heading}"`);
          }
        }
        const dashboard = JSON.parse(
          await Deno.readTextFile(new URL("deploy/observability/dashboard.json", ROOT)),
        );
        const exprs = (dashboard.panels as { targets?: { expr: string }[] }[])
          .flatMap((p) => p.targets ?? []).map((target) => target.expr);
        assert(exprs.length > 0);
        for (const expr of exprs) {
          assert.deepEqual(metricNamesIn(expr).filter((n) => !exported.has(n)), [], expr);
        }
      },
    );
  } finally {
    await kds.close();
    await erp.close();
    await stack.close();
    await receiver.close();
  }
});
