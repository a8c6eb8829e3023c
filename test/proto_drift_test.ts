/**
 * src/gen/ is generated from proto/ by scripts/proto.sh (protoc + ts-proto) and committed. This
 * regenerates it into a temporary folder and fails when the committed files differ, are missing
 * or are left over, so an edit to proto/ without `./dev proto` does not go unnoticed.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function filesUnder(dir: string, prefix = ""): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      for (const [p, bytes] of await filesUnder(`${dir}/${entry.name}`, `${path}/`)) {
        files.set(p, bytes);
      }
    } else {
      files.set(path, await Deno.readFile(`${dir}/${entry.name}`));
    }
  }
  return files;
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

Deno.test("src/gen/ is what scripts/proto.sh generates from proto/", async () => {
  const out = await Deno.makeTempDir({ prefix: "ovenline-gen-" });
  try {
    const run = await new Deno.Command("bash", {
      args: [`${ROOT}scripts/proto.sh`, out],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, `scripts/proto.sh failed:\n${new TextDecoder().decode(run.stderr)}`);
    const fresh = await filesUnder(out);
    const committed = await filesUnder(`${ROOT}src/gen`);
    assert.ok(fresh.size > 0, "protoc generated nothing");
    const stale = [...fresh].filter(([p, bytes]) => {
      const c = committed.get(p);
      return c !== undefined && !same(c, bytes);
    }).map(([p]) => p);
    assert.deepEqual(
      {
        missing: [...fresh.keys()].filter((p) => !committed.has(p)).sort(),
        leftOver: [...committed.keys()].filter((p) => !fresh.has(p)).sort(),
        stale: stale.sort(),
      },
      { missing: [], leftOver: [], stale: [] },
      "src/gen/ differs from proto/: run ./dev proto and commit src/gen/",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
