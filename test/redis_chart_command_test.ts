/**
 * The chart's Redis container command, run for real (redis-server, as the scripts install it):
 * the start script rendered by helm, with the pod's port and data directory mapped to a free port
 * and a temporary folder. A password holding `"`, `\`, `$` and `'` still works, and at its memory
 * cap Redis refuses writes instead of evicting keys.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { find, render } from "./support/chart.ts";
import { freePort } from "./support/ports.ts";
import { waitFor } from "./support/wait.ts";

const PASSWORD = `pa"ss\\wo'rd $HOME \`x\` \\"`;

Deno.test("the chart's Redis command: any password, no eviction at the memory cap", async (t) => {
  const objs = await render({
    values: {
      redis: {
        password: PASSWORD,
        resources: {
          requests: { cpu: "100m", memory: "6Mi" },
          limits: { cpu: "1", memory: "6Mi" },
        },
      },
    },
  });
  const container = find(objs, "StatefulSet", "ovenline-redis").spec.template.spec.containers[0];
  const [shell, flag, script] = container.command as string[];
  assert.equal(`${shell} ${flag}`, "sh -c");
  assert.match(script, /--maxmemory 4mb --maxmemory-policy noeviction/, "2/3 of 6 MiB");
  const secret = find(objs, "Secret", "ovenline-redis").stringData.password;
  assert.equal(secret, PASSWORD);

  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "ovenline-redis-chart-" });
  const local = script.replace("--port 6379", `--port ${port} --bind 127.0.0.1`).replace(
    "--dir /data",
    `--dir ${dir}`,
  );
  assert.notEqual(local, script);
  const server = new Deno.Command("sh", {
    args: ["-c", local],
    env: { REDIS_PASSWORD: secret },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const client = (password?: string) =>
    new Redis({
      host: "127.0.0.1",
      port,
      password,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
  const redis = client(PASSWORD);
  try {
    await waitFor("redis-server to answer", async () => {
      try {
        await redis.connect();
        return (await redis.ping()) === "PONG";
      } catch {
        redis.disconnect();
        return false;
      }
    }, 10_000);

    await t.step("the password with quotes, backslashes and $ is the one Redis wants", async () => {
      const anonymous = client();
      await anonymous.connect();
      try {
        await assert.rejects(anonymous.ping(), /NOAUTH/);
        await assert.rejects(anonymous.call("AUTH", PASSWORD.slice(0, 6)), /WRONGPASS/);
        assert.equal(await anonymous.call("AUTH", PASSWORD), "OK");
      } finally {
        anonymous.disconnect();
      }
      assert.equal(await redis.ping(), "PONG");
    });

    await t.step("at the cap: writes refused with OOM, every key kept", async () => {
      assert.deepEqual(await redis.config("GET", "maxmemory-policy"), [
        "maxmemory-policy",
        "noeviction",
      ]);
      const value = "x".repeat(16 * 1024);
      let written = 0;
      let refusal: Error | undefined;
      for (let i = 0; i < 2_000 && !refusal; i++) {
        try {
          await redis.set(`order:${i}`, value);
          written++;
        } catch (error) {
          refusal = error as Error;
        }
      }
      assert.ok(refusal, "Redis kept accepting writes past its cap");
      assert.match(refusal.message, /OOM/);
      assert.ok(written > 10, `only ${written} keys fitted`);
      assert.equal(await redis.dbsize(), written, "nothing was evicted");
      assert.equal(await redis.exists("order:0"), 1, "the first key is still there");
      await redis.flushall(); // freeing memory lets writes in again
      assert.equal(await redis.set("after", "1"), "OK");
    });
  } finally {
    redis.disconnect();
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
});
