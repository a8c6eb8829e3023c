/**
 * The README's first command, for real: `./dev demo --orders 3` brings the
 * stack up, places orders, and prints working KDS and dashboard links.
 * It runs on ports and a run folder of its own, beside any developer stack.
 */
import assert from "node:assert/strict";
import { freePort } from "./support/ports.ts";
import { ROOT_PATH } from "./support/infra.ts";

Deno.test("`./dev demo --orders 3` places three orders and prints links that open the KDS", async () => {
  const runDir = await Deno.makeTempDir({ prefix: "ovenline-demo-" });
  const ports = {
    GRPC_PORT: freePort(),
    HUB_PORT: freePort(),
    HEALTH_PORT: freePort(),
    PROMOTER_HEALTH_PORT: freePort(),
  };
  const env = {
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    OVENLINE_RUN_DIR: runDir,
    OVENLINE_LOG_DIR: runDir,
    NO_COLOR: "1",
  };
  const stop = () =>
    new Deno.Command("bash", {
      args: [`${ROOT_PATH}scripts/services.sh`, "stop"],
      env,
      cwd: ROOT_PATH,
    }).output();
  try {
    const out = await new Deno.Command(`${ROOT_PATH}dev`, {
      args: ["demo", "--orders", "3", "--interval-ms", "100"],
      env,
      cwd: ROOT_PATH,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, `${text}\n${new TextDecoder().decode(out.stderr).slice(-3000)}`);
    assert.match(text, /3 orders accepted, 0 rejected/);
    const kdsLink = text.match(/Kitchen display:\s+(\S+)/)?.[1];
    assert.ok(kdsLink, "the demo prints the KDS link");
    // The token travels in the fragment, which a browser never sends to the hub.
    const link = new URL(kdsLink);
    assert.equal(link.search, "", "no query: nothing a server or proxy would log");
    const token = new URLSearchParams(link.hash.slice(1)).get("token")!;
    assert.ok(token, "the link carries the token in #token=");
    const page = await fetch(`http://127.0.0.1:${ports.HUB_PORT}/kds`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const active = await fetch(`http://127.0.0.1:${ports.HUB_PORT}/api/v1/erp/orders/active`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(active.status, 200, "the printed token opens the API");
    assert.ok((await active.json()).orders.length >= 1);
  } finally {
    await stop();
    await Deno.remove(runDir, { recursive: true }).catch(() => {});
  }
});
