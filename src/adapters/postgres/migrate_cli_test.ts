import assert from "node:assert/strict";
import { MIGRATIONS_DIR, readMigrations } from "./migrate.ts";
import { parseArgs, redactUrl } from "./migrate_cli.ts";
import { withTestDatabase } from "./test_database.ts";

const URL_A = "postgres://u:secret@127.0.0.1:5432/a";

Deno.test("`parseArgs()` takes the URL from argv before DATABASE_URL, and --dir", () => {
  assert.deepEqual(parseArgs([URL_A], "postgres://env/b"), { url: URL_A, dir: MIGRATIONS_DIR });
  assert.deepEqual(parseArgs([], URL_A), { url: URL_A, dir: MIGRATIONS_DIR });
  assert.deepEqual(parseArgs(["--dir", "/tmp/m", URL_A], undefined), { url: URL_A, dir: "/tmp/m" });
  assert.deepEqual(parseArgs([`--dir=/tmp/m`], URL_A), { url: URL_A, dir: "/tmp/m" });
});

Deno.test("`parseArgs()` explains what is wrong instead of guessing", () => {
  assert.match((parseArgs([], undefined) as { error: string }).error, /DATABASE_URL/);
  assert.match((parseArgs(["mysql://x"], undefined) as { error: string }).error, /postgres:\/\//);
  assert.match((parseArgs(["--force"], URL_A) as { error: string }).error, /--force/);
  assert.match((parseArgs([URL_A, URL_A], undefined) as { error: string }).error, /unexpected/);
  assert.match((parseArgs(["--dir"], URL_A) as { error: string }).error, /--dir/);
  assert.deepEqual(parseArgs(["--help"], URL_A), { error: "" });
});

Deno.test("`redactUrl()` hides the password only", () => {
  assert.equal(redactUrl(URL_A), "postgres://u:***@127.0.0.1:5432/a");
  assert.equal(redactUrl("postgres://127.0.0.1/a"), "postgres://127.0.0.1/a");
});

async function runCli(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./migrate_cli.ts", import.meta.url).pathname, ...args],
    cwd: new URL("../../../", import.meta.url).pathname,
    env: { DATABASE_URL: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("migrate_cli migrates the database at the given URL and exits 0; a second run applies nothing", async () => {
  await withTestDatabase(async (db) => {
    const files = await readMigrations(MIGRATIONS_DIR);
    const first = await runCli([db.url]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`${files.length} applied, 0 already applied`));
    const password = new URL(db.url).password;
    assert.ok(password && !first.stdout.includes(`:${password}@`), "password not logged");
    assert.match(first.stdout, /:\*\*\*@/);
    const second = await runCli([], { DATABASE_URL: db.url });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`0 applied, ${files.length} already applied`));
  }, { migrate: false });
});

Deno.test("migrate_cli without a URL prints usage and exits 2", async () => {
  const result = await runCli([]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /usage: migrate_cli\.ts/);
});
