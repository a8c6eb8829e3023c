/**
 * A second checkout on the same machine, as a developer with two clones has it: a copy of this
 * tree's tracked files in a fresh folder, with nothing installed or running for it.
 *
 * - Its infrastructure gets a port block of its own, so its stack runs beside this one's.
 * - The README's `./dev chaos` and `./dev token` work as printed there: chaos starts the
 *   infrastructure it needs and reads .infra/env by itself.
 * - When a port is taken by another checkout's stack, the error names that checkout and the command
 *   that stops it.
 * - `./dev down` leaves nothing of the copy running.
 */
import assert from "node:assert/strict";
import { infraSetting, ROOT_PATH } from "./support/infra.ts";

const decoder = new TextDecoder();

async function run(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ok: boolean; out: string; stdout: string }> {
  const result = await new Deno.Command(`${cwd}/dev`, {
    args,
    cwd,
    env: { ...checkoutNeutralEnv(), ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(result.stdout);
  return { ok: result.success, stdout, out: stdout + decoder.decode(result.stderr) };
}

/** This process's environment without the settings that belong to this checkout's stack. */
function checkoutNeutralEnv(): Record<string, string> {
  const ours = /^(DATABASE_URL|REDIS_URL|KAFKA_BROKERS|AUTH_JWT_SECRET|OVENLINE_.*)$/;
  return Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => !ours.test(k)));
}

/** The checkout's tracked files (as CI's clean clone has them) in a fresh folder. */
async function copyCheckout(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-second-checkout-" });
  const files = decoder.decode(
    (await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: ROOT_PATH, stdout: "piped" })
      .output()).stdout,
  ).split("\0").filter((f) => f !== "");
  for (const file of files) {
    const target = `${dir}/${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${ROOT_PATH}${file}`, target);
    const { mode } = await Deno.stat(`${ROOT_PATH}${file}`);
    if (mode !== null) await Deno.chmod(target, mode & 0o777);
  }
  return dir;
}

function portBlockOf(checkout: string): number {
  const out = new Deno.Command("bash", {
    args: ["-c", "source scripts/infra/env.sh && echo $OVENLINE_PORT_BASE"],
    cwd: checkout,
    clearEnv: true,
    env: checkoutNeutralEnv(),
    stdout: "piped",
  }).outputSync();
  return Number(decoder.decode(out.stdout).trim());
}

Deno.test("a second checkout runs its own stack beside this one", async (t) => {
  const copy = await copyCheckout();
  const env = {};
  try {
    await t.step("its infrastructure ports differ from this checkout's", () => {
      const ours = portBlockOf(ROOT_PATH.replace(/\/$/, ""));
      const theirs = portBlockOf(copy);
      assert.ok(ours >= 20000 && ours < 30000, `port block ${ours}`);
      assert.notEqual(theirs, ours);
      assert.equal(
        new URL(infraSetting("DATABASE_URL")).port,
        String(ours),
        "this test run's PostgreSQL is on this checkout's port block",
      );
    });

    await t.step("`./dev chaos`, as the README prints it, starts what it needs", async () => {
      const { ok, out } = await run(copy, [
        "chaos",
        "--orders",
        "40",
        "--rate",
        "20",
        "--faults",
        "",
      ], env);
      assert.ok(ok, out.slice(-4000));
      assert.match(out, /starting the local infrastructure first/);
      assert.match(out, /lost +: 0\n/);
      const written = await Deno.readTextFile(`${copy}/.infra/env`);
      assert.match(written, new RegExp(`127\\.0\\.0\\.1:${portBlockOf(copy)}/`));
    });

    await t.step("`./dev token --role kitchen` prints a token on a fresh checkout", async () => {
      const { ok, out, stdout } = await run(copy, ["token", "--role", "kitchen"], env);
      assert.ok(ok, out);
      assert.match(stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    await t.step("a port held by another checkout is named, with how to stop it", async () => {
      await run(copy, ["down"], env);
      const ourPort = new URL(infraSetting("REDIS_URL")).port;
      const { ok, out } = await run(copy, ["up"], { ...env, OVENLINE_REDIS_PORT: ourPort });
      assert.equal(ok, false, out);
      const root = ROOT_PATH.replace(/\/$/, "");
      assert.match(out, new RegExp(`port ${ourPort} is taken by pid \\d+ \\(redis-server`));
      assert.ok(out.includes(`of the Ovenline checkout ${root}`), out);
      assert.ok(out.includes(`stop it with: (cd ${root} && ./dev down)`), out);
    });
  } finally {
    const down = await run(copy, ["down"], env);
    const left = decoder.decode(
      (await new Deno.Command("pgrep", { args: ["-af", `${copy}/`], stdout: "piped" }).output())
        .stdout,
    ).trim();
    await Deno.remove(copy, { recursive: true }).catch(() => {});
    assert.ok(down.ok, down.out);
    assert.equal(left, "", "nothing of the copy is left running");
  }
});
