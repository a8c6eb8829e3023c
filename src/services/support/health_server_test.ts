import assert from "node:assert/strict";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { createLogger } from "../../observability/logger.ts";
import { healthResponse } from "./health_server.ts";
import { Startup } from "./startup.ts";

const silent = createLogger({}, "error", () => {});

async function ask(path: string, checks: Parameters<typeof healthResponse>[1]) {
  const res = await healthResponse(path, checks)!;
  return { status: res.status, body: await res.text() };
}

Deno.test("health: live and not ready while starting, then ready; each answer lists the loops", async () => {
  let now = 0;
  const watchdog = new ProgressWatchdog({ now: () => new Date(now) });
  const startup = new Startup(silent);
  let dependency: Error | undefined = undefined;
  const checks = {
    watchdog,
    startup,
    dependencies: () => (dependency ? Promise.reject(dependency) : Promise.resolve()),
  };
  const loop = watchdog.loop("consume loop", { stallAfterMs: 10_000 });
  const failed = startup.doing("connecting to Redis");
  failed(new Error("connect ECONNREFUSED 10.0.0.7:6379"));
  assert.deepEqual(await ask("/healthz", checks), { status: 200, body: "ok\nconsume loop: ok\n" });
  assert.deepEqual(await ask("/readyz", checks), {
    status: 503,
    body: "not ready: starting: connecting to Redis (last try: connect ECONNREFUSED " +
      "10.0.0.7:6379)\nconsume loop: ok\n",
  });

  startup.finish();
  assert.equal((await ask("/readyz", checks)).status, 200);
  dependency = new Error("PostgreSQL: connection refused");
  assert.deepEqual(await ask("/readyz", checks), {
    status: 503,
    body: "not ready: PostgreSQL: connection refused\nconsume loop: ok\n",
  });
  dependency = undefined;

  loop.stopped("KafkaJSProtocolError: incompatible protocols");
  assert.equal((await ask("/healthz", checks)).status, 200);
  assert.match((await ask("/readyz", checks)).body, /^not ready: consume loop: stopped 0 s ago/);
  now += 10_001;
  assert.deepEqual(await ask("/healthz", checks), {
    status: 503,
    body:
      "not live\nconsume loop: stopped for 10 s: KafkaJSProtocolError: incompatible protocols\n",
  });
  assert.equal(healthResponse("/metrics", checks), undefined, "other paths are not health's");
});

Deno.test("health: a public port (detailed: false) answers without the dependency's error text, which goes to the log", async () => {
  const logged: Record<string, unknown>[] = [];
  const logger = createLogger({}, "warn", (line) => logged.push(JSON.parse(line)));
  const checks = {
    watchdog: new ProgressWatchdog({ now: () => new Date(0) }),
    detailed: false,
    logger,
    dependencies: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.7:6379")),
  };
  assert.deepEqual(await ask("/readyz", checks), { status: 503, body: "not ready\n" });
  assert.equal(logged.length, 1);
  assert.match(JSON.stringify(logged[0]), /ECONNREFUSED 10\.0\.0\.7:6379/);
});
