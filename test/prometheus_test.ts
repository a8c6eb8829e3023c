/**
 * The metrics path end to end with a real Prometheus (Debian's prometheus 2.42, installed by
 * scripts/system_packages.sh): it scrapes the running services' /metrics every second and
 * evaluates deploy/observability/alerts.yaml, unchanged, every second.
 *
 * - After some traffic (orders, a KDS socket, a promoted pre-order), every metric that the alert
 *   rules and the dashboard query exists as a series in Prometheus.
 * - The consumer stops and orders keep coming: OvenlineConsumerLagHigh goes pending as soon as a
 *   partition is more than 2000 behind (its `for: 5m` would make it fire five minutes later).
 *
 * The figures (series found, seconds to pending) are printed.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { freePort } from "./support/ports.ts";
import { metricNamesIn } from "./support/promql_names.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { TestSocket } from "./support/ws_client.ts";

const ROOT = new URL("../", import.meta.url);
const ALERTS = new URL("deploy/observability/alerts.yaml", ROOT).pathname;
const SERVICES = ["intake", "consumer", "promoter", "hub"] as const;

/** Every metric the alert rules and the dashboard query. */
async function metricsInUse(): Promise<string[]> {
  const rules = parseYaml(await Deno.readTextFile(ALERTS)) as {
    groups: { rules: { expr: string }[] }[];
  };
  const dashboard = JSON.parse(
    await Deno.readTextFile(new URL("deploy/observability/dashboard.json", ROOT)),
  ) as { panels: { targets?: { expr: string }[] }[] };
  const exprs = [
    ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr),
  ];
  return [...new Set(exprs.flatMap(metricNamesIn))].sort();
}

/** A Prometheus scraping `targets` (job → host:port) and evaluating the alert rules, every 1 s. */
async function startPrometheus(targets: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-prometheus-" });
  const port = freePort();
  const config = {
    global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
    rule_files: [ALERTS],
    scrape_configs: Object.entries(targets).map(([job, target]) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
    })),
  };
  await Deno.writeTextFile(`${dir}/prometheus.yml`, JSON.stringify(config)); // JSON is YAML
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = await res.json();
    if (body.status !== "success") throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data as T;
  };
  await waitFor("Prometheus to be ready", async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
  return {
    api,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a real Prometheus scrapes the services: every metric in use exists, and the lag alert goes pending", async (t) => {
  const kitchen = testKitchen();
  // One partition: 2000 behind on a partition means 2000 orders.
  const stack = await TestStack.start("prometheus", {
    kitchens: [kitchen],
    services: [...SERVICES],
    partitions: 1,
    metrics: true,
  });
  const prometheus = await startPrometheus(
    Object.fromEntries(SERVICES.map((s) => [s, `127.0.0.1:${stack.metricsPorts.get(s)}`])),
  );
  const kds = await TestSocket.open(
    `ws://127.0.0.1:${stack.ports.hub}/ws/kds?kitchen=${kitchen.id}`,
    stack.tokens.viewer,
  );
  try {
    await t.step("every service is an up target", async () => {
      await waitFor("four healthy targets", async () => {
        const { activeTargets } = await prometheus.api<
          { activeTargets: { labels: { job: string }; health: string }[] }
        >("/api/v1/targets");
        return activeTargets.length === 4 && activeTargets.every((x) => x.health === "up");
      }, 20_000);
    });

    await t.step(
      "every metric the alert rules and the dashboard use exists as a series",
      async () => {
        await kds.waitFor("the KDS snapshot", (r) => r.message.type === "snapshot");
        for (let i = 0; i < 5; i++) {
          const placed = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
          await kds.waitFor(
            "the order on the KDS",
            (r) => r.message.type === "order.visible" && r.message.order?.id === placed.orderId,
          );
        }
        // A pre-order, brought forward so that the promoter moves it now.
        const later = await stack.api.createOrder(
          seedExampleRequest({
            kitchenId: kitchen.id,
            requestedTime: new Date(Date.now() + 3 * 3_600_000),
          }),
        );
        await waitFor(
          "the pre-order scheduled",
          async () =>
            (await stack.redis.zscore("erp:orders:pending_slots", later.orderId)) !== null,
        );
        await stack.redis.zadd("erp:orders:pending_slots", Date.now(), later.orderId);
        await kds.waitFor(
          "the promoted pre-order",
          (r) => r.message.type === "order.visible" && r.message.order?.id === later.orderId,
        );

        const wanted = await metricsInUse();
        const started = performance.now();
        const names = await waitFor("every metric in use as a series", async () => {
          const present = await prometheus.api<string[]>("/api/v1/label/__name__/values");
          return wanted.every((n) => present.includes(n)) ? present : undefined;
        }, 20_000);
        const ovenline = names.filter((n) => n.startsWith("ovenline_"));
        const series = await prometheus.api<{ __name__: string }[]>(
          `/api/v1/series?match[]=${encodeURIComponent('{__name__=~"ovenline_.+"}')}`,
        );
        console.log(
          `series: ${series.length} of ${ovenline.length} metrics (found ${
            Math.round(performance.now() - started)
          } ms after the traffic): ${ovenline.join(", ")}`,
        );
        console.log(
          `in use by the rules and the dashboard (${wanted.length}): ${wanted.join(", ")}`,
        );
        assert.deepEqual(wanted.filter((n) => !names.includes(n)), []);
      },
    );

    await t.step(
      "the consumer stops under load: OvenlineConsumerLagHigh goes pending",
      async () => {
        const lagQuery = encodeURIComponent(
          "max by (topic, group, partition) (ovenline_consumer_lag)",
        );
        const lagNow = async () => {
          const result = await prometheus.api<{ result: { value: [number, string] }[] }>(
            `/api/v1/query?query=${lagQuery}`,
          );
          return Number(result.result[0]?.value[1] ?? NaN);
        };
        // The scrape after the traffic of the steps before may still show a little lag.
        await waitFor("the consumer to catch up", async () => await lagNow() === 0, 30_000, 250);
        await stack.service("consumer").stop();
        const stopped = performance.now();

        // Orders keep coming: 2,200 from 32 callers at a time.
        let placed = 0;
        const caller = async () => {
          while (placed < 2_200) {
            placed++;
            await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
          }
        };
        const load = Promise.all(Array.from({ length: 32 }, caller));
        let overThreshold: number | undefined;
        const alert = await waitFor(
          "OvenlineConsumerLagHigh pending or firing",
          async () => {
            if (overThreshold === undefined && await lagNow() > 2000) {
              overThreshold = performance.now();
            }
            const { alerts } = await prometheus.api<
              { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] }
            >("/api/v1/alerts");
            return alerts.find((a) => a.labels.alertname === "OvenlineConsumerLagHigh");
          },
          120_000,
          250,
        );
        const pendingAt = performance.now();
        await load;
        assert.ok(["pending", "firing"].includes(alert.state), alert.state);
        assert.equal(alert.labels.topic, stack.topics.orders);
        assert.equal(alert.labels.group, stack.env.KAFKA_GROUP_ID);
        assert.equal(alert.labels.partition, "0");
        assert.equal(alert.labels.severity, "warning");
        console.log(
          `OvenlineConsumerLagHigh ${alert.state} ${
            ((pendingAt - stopped) / 1000).toFixed(1)
          } s after ` +
            `the consumer stopped, ${
              overThreshold === undefined ? "?" : ((pendingAt - overThreshold) / 1000).toFixed(1)
            } s after Prometheus saw the lag pass 2000 (lag now ${await lagNow()}, ${placed} orders placed)`,
        );
      },
    );
  } finally {
    await kds.close();
    await prometheus.stop();
    await stack.close();
  }
});
