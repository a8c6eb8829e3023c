/**
 * The alert for a stalled consumer, checked with Prometheus' own promtool (Debian's prometheus
 * package, installed by scripts/system_packages.sh): the rules file is valid, and the unit tests
 * in deploy/observability/tests/consumer_stalled.test.yaml pass (it fires on records waiting
 * with the committed offset not moving, at any lag; not on a busy consumer, a quiet topic, or a
 * lone order after a quiet spell).
 */
import assert from "node:assert/strict";
import { ROOT_PATH } from "./support/infra.ts";

async function promtool(...args: string[]): Promise<string> {
  const out = await new Deno.Command("promtool", { args, cwd: ROOT_PATH }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert(out.success, `promtool ${args.join(" ")}:\n${text}`);
  return text;
}

Deno.test("promtool: OvenlineConsumerStalled fires when records wait and no offset moves", async () => {
  assert.match(
    await promtool("check", "rules", "deploy/observability/alerts.yaml"),
    /SUCCESS: \d+ rules found/,
  );
  assert.match(
    await promtool("test", "rules", "deploy/observability/tests/consumer_stalled.test.yaml"),
    /SUCCESS/,
  );
});
