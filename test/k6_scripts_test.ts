/**
 * The k6 scripts in load/ type-check against @types/k6 (tsc over JavaScript
 * with `// @ts-check`, load/typecheck.sh), a deliberately broken copy does
 * not, and the scripts take their parameters from load/scenario.js, the
 * module the benchmark reads too.
 */
import assert from "node:assert/strict";
import { SCENARIO, TARGETS } from "../load/scenario.js";

const ROOT = new URL("../", import.meta.url).pathname;
const SCRIPTS = ["create_orders.js", "kds_latency.js"];

async function typecheck(tsconfig?: string): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}load/typecheck.sh`, ...(tsconfig ? [tsconfig] : [])],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, output: text };
}

/** A copy of load/ in a temporary folder whose tsconfig extends the real one. */
async function copyOfLoad(edit?: (name: string, text: string) => string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "k6check-" });
  for (const e of Deno.readDirSync(`${ROOT}load`)) {
    if (!e.isFile || !e.name.endsWith(".js")) continue;
    const text = await Deno.readTextFile(`${ROOT}load/${e.name}`);
    await Deno.writeTextFile(`${dir}/${e.name}`, edit ? edit(e.name, text) : text);
  }
  await Deno.writeTextFile(
    `${dir}/tsconfig.json`,
    JSON.stringify({ extends: `${ROOT}load/tsconfig.json`, include: ["*.js"] }),
  );
  return dir;
}

Deno.test("the k6 scripts in load/ type-check against @types/k6", async () => {
  const names = [...Deno.readDirSync(`${ROOT}load`)].map((e) => e.name);
  for (const s of SCRIPTS) assert.ok(names.includes(s), `load/${s} exists`);
  const result = await typecheck();
  assert.ok(result.ok, `tsc found errors:\n${result.output}`);
});

Deno.test("the k6 type check fails on a script with a type error, naming the file and line", async () => {
  // First the unbroken copy passes: what fails below is the break, not the copying.
  const clean = await copyOfLoad();
  try {
    const ok = await typecheck(`${clean}/tsconfig.json`);
    assert.ok(ok.ok, `the unbroken copy should pass:\n${ok.output}`);
  } finally {
    await Deno.remove(clean, { recursive: true });
  }

  const broken = await copyOfLoad((name, text) => {
    if (name !== "kds_latency.js") return text;
    const line = "orderToScreen.add(now - Math.floor(id / 1000));";
    assert.ok(text.includes(line));
    // A Trend takes a number: a string must be refused by @types/k6.
    return text.replace(line, 'orderToScreen.add("late");');
  });
  try {
    const result = await typecheck(`${broken}/tsconfig.json`);
    assert.equal(result.ok, false, "tsc accepted a Trend fed with a string");
    assert.match(result.output, /kds_latency\.js\(\d+,\d+\): error TS2345/);
  } finally {
    await Deno.remove(broken, { recursive: true });
  }

  const badImport = await copyOfLoad((name, text) =>
    name === "create_orders.js" ? text.replace('"k6/net/grpc"', '"k6/net/grpc-nope"') : text
  );
  try {
    const result = await typecheck(`${badImport}/tsconfig.json`);
    assert.equal(result.ok, false, "tsc accepted an import of a k6 module that does not exist");
    assert.match(result.output, /create_orders\.js\(\d+,\d+\): error TS2307/);
  } finally {
    await Deno.remove(badImport, { recursive: true });
  }
});

Deno.test("the k6 scripts take rates, durations and thresholds from load/scenario.js", async () => {
  for (const s of SCRIPTS) {
    const text = await Deno.readTextFile(`${ROOT}load/${s}`);
    assert.ok(text.includes('from "./scenario.js"'), `${s} imports the shared scenario`);
    assert.ok(text.includes("TARGETS."), `${s} sets thresholds from TARGETS`);
    assert.ok(text.includes("SCENARIO."), `${s} reads SCENARIO`);
  }
  // The targets, as the benchmark and the thresholds use them.
  assert.equal(TARGETS.createRatePerSecond, 3000);
  assert.equal(TARGETS.createP99Ms, 25);
  assert.equal(TARGETS.orderToKdsP99Ms, 100);
  assert.equal(TARGETS.fanoutDeliveryP99Ms, 50);
  assert.equal(TARGETS.serviceRssMb, 150);
  // Every order is due on the KDS at once in the benchmark's kitchen.
  assert.ok(SCENARIO.kitchen.leadMinutes >= SCENARIO.kitchen.slotMinutes);
});
