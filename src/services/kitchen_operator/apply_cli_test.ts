import assert from "node:assert/strict";
import { getKitchenRecord } from "../../adapters/postgres/kitchen_repository.ts";
import { withTestDatabase } from "../../adapters/postgres/test_database.ts";
import { DEFAULT_KITCHEN } from "../../domain/kitchen_config.ts";

const CLI = new URL("./apply_cli.ts", import.meta.url).pathname;
const ROOT = new URL("../../../", import.meta.url).pathname;

async function apply(databaseUrl: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI, ...args],
    env: { DATABASE_URL: databaseUrl },
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("kitchens:apply applies Kitchen files the way the operator applies resources", async () => {
  await withTestDatabase(async ({ url, pool }) => {
    // The file that declares the seeded kitchen changes nothing.
    const seeded = await apply(url, "deploy/kitchens");
    assert.equal(seeded.code, 0, seeded.out);
    assert.match(seeded.out, /main \(deploy\/kitchens\/main\.yaml\): unchanged \(version 1\)/);

    const dir = await Deno.makeTempDir();
    try {
      const main = (await Deno.readTextFile(`${ROOT}deploy/kitchens/main.yaml`))
        .replace("capacity: 2000000", "capacity: 3000000");
      await Deno.writeTextFile(`${dir}/main.yaml`, main);
      const changed = await apply(url, dir);
      assert.equal(changed.code, 0, changed.out);
      assert.match(changed.out, /main \(.*main\.yaml\): applied as version 2/);
      const record = (await getKitchenRecord(pool, "main"))!;
      assert.deepEqual(record.config, { ...DEFAULT_KITCHEN, capacity: 3_000_000 });

      await Deno.writeTextFile(`${dir}/main.yaml`, main.replace("Europe/Moscow", "Mars/Olympus"));
      const invalid = await apply(url, `${dir}/main.yaml`);
      assert.equal(invalid.code, 1, invalid.out);
      assert.match(invalid.out, /INVALID, not applied: spec\.timeZone: must be an IANA time zone/);
      assert.equal((await getKitchenRecord(pool, "main"))!.version, 2, "nothing written");

      const dry = await apply(url, "--dry-run", "deploy/kitchens/main.yaml");
      assert.equal(dry.code, 0, dry.out);
      assert.match(dry.out, /valid/);
      assert.equal((await getKitchenRecord(pool, "main"))!.version, 2);

      assert.equal((await apply(url)).code, 2, "no files");
      assert.equal((await apply(url, `${dir}/absent.yaml`)).code, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
