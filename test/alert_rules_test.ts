/**
 * The alert rules with Prometheus' own tool: `promtool check rules` on
 * deploy/observability/alerts.yaml, and `promtool test rules` on alerts_test.yaml, which must
 * exercise every alert firing and not firing. To show the tests can fail, each alert is then
 * broken twice in a copy of the rules (never true; always true) and promtool must object.
 * promtool comes from Debian's prometheus package (scripts/system_packages.sh).
 */
import assert from "node:assert/strict";
import { parse, stringify } from "yaml";

const DIR = new URL("../deploy/observability/", import.meta.url).pathname;

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command("promtool", { args, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { ok: out.success, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

type Rules = { groups: { name: string; rules: { alert?: string; expr: string }[] }[] };
type Tests = {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
};

const rules = parse(await Deno.readTextFile(`${DIR}alerts.yaml`)) as Rules;
const alerts = rules.groups.flatMap((g) => g.rules).map((r) => r.alert).filter((a) => a);

Deno.test("promtool accepts the alert rules and their unit tests pass", async () => {
  const check = await promtool("check", "rules", `${DIR}alerts.yaml`);
  assert.ok(check.ok, check.output);
  assert.match(check.output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
  const test = await promtool("test", "rules", `${DIR}alerts_test.yaml`);
  assert.ok(test.ok, test.output);
});

Deno.test("every alert is tested firing and not firing", async () => {
  const tests = parse(await Deno.readTextFile(`${DIR}alerts_test.yaml`)) as Tests;
  const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const alert of alerts) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${alert}: no case where it fires`);
    assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${alert}: no case where it does not`);
  }
});

Deno.test("the unit tests fail when an alert never fires, or always does", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-alerts-" });
  try {
    const breakages = alerts.flatMap((alert) =>
      ([["never fires", "vector(0) > 1"], ["always fires", "vector(1)"]] as const).map((
        [what, expr],
        i,
      ) => ({ alert: alert!, what, expr, dir: `${dir}/${alert}-${i}` }))
    );
    // promtool mostly waits: run every broken copy at once.
    const results = await Promise.all(breakages.map(async (b) => {
      await Deno.mkdir(b.dir);
      await Deno.copyFile(`${DIR}alerts_test.yaml`, `${b.dir}/alerts_test.yaml`);
      const broken = structuredClone(rules);
      for (const rule of broken.groups.flatMap((g) => g.rules)) {
        if (rule.alert === b.alert) rule.expr = b.expr;
      }
      await Deno.writeTextFile(`${b.dir}/alerts.yaml`, stringify(broken));
      return { ...b, result: await promtool("test", "rules", `${b.dir}/alerts_test.yaml`) };
    }));
    for (const { alert, what, result } of results) {
      await t.step(`${alert} ${what}`, () => {
        assert.ok(!result.ok, `promtool passed with ${alert} broken`);
        assert.match(result.output, new RegExp(`alertname: ${alert}`));
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
