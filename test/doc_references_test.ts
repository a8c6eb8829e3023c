/**
 * The repository stands on its own: no doc, comment or chart text names a file the repository
 * lacks, or a place outside it. The scanner's rules are in test/support/doc_references.ts; the
 * unit tests below feed it synthetic texts against a synthetic repository, so they show it fails
 * where it must and stays quiet where a path-like text is no file reference.
 *
 * This file and the scanner are not scanned themselves: their fixtures name missing files and
 * outside places on purpose.
 */
import assert from "node:assert/strict";
import {
  checkText,
  commentsAndStrings,
  expandBraces,
  RepoIndex,
  scanRepository,
} from "./support/doc_references.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const SELF = new Set(["test/doc_references_test.ts", "test/support/doc_references.ts"]);

const REPO = new RepoIndex([
  "README.md",
  "docs/deploy.md",
  "docs/kitchen-operator.md",
  "docs/runbooks/OvenlineDeadLetters.md",
  "lua/reserve_slot.lua",
  "scripts/infra/up.sh",
  "src/services/hub/main.ts",
  "src/services/intake/main.ts",
  "src/adapters/grpc/server.ts",
  "src/adapters/kafka/client.ts",
  "cdk8s/lib/chart.ts",
  "charts/ovenline/files/load/scenario.js",
  "proto/ovenline/v1/order.proto",
], ["node_modules/", ".tools/", "bench/results/tmp/"]);

/** The references `text` (as the file `file`) gets reported for. */
const reported = (file: string, text: string) =>
  checkText(file, text, REPO).map((p) => p.reference);

Deno.test("checkText() reports files the repository lacks, wherever the text names them", () => {
  assert.deepEqual(
    reported("README.md", "The spec is `SPEC.md`; the flow is notes/FLOW.ru.md."),
    ["SPEC.md", "notes/FLOW.ru.md"],
  );
  assert.deepEqual(reported("docs/deploy.md", "see [the design](architecture.md)"), [
    "architecture.md",
  ]);
  assert.deepEqual(reported("README.md", "run scripts/infra/down.sh, then lua/gone.lua"), [
    "scripts/infra/down.sh",
    "lua/gone.lua",
  ]);
  assert.deepEqual(reported("README.md", "layout: `src/services/ws/` and `docs/runbooks/`"), [
    "src/services/ws/",
  ]);
  assert.deepEqual(reported("cdk8s/values.ts", 'group("each pod talks to what SPEC.md lists")'), [
    "SPEC.md",
  ]);
  const problems = checkText("src/x.ts", "// line 1\n/** see docs/gone.md */\n", REPO);
  assert.deepEqual(problems, [{
    file: "src/x.ts",
    line: 2,
    reference: "docs/gone.md",
    reason: "no such file or folder in the repository",
  }]);
});

Deno.test("checkText() reports references that leave the repository", () => {
  const leaving = checkText("README.md", "read ../other-repo/NOTES.md or ../other-repo", REPO);
  assert.deepEqual(leaving.map((p) => p.reference), ["../other-repo/NOTES.md", "../other-repo"]);
  assert.match(leaving[0].reason, /leaves the repository/);
  const absolute = checkText("docs/deploy.md", "as /work/elsewhere/SPEC.md says", REPO);
  assert.deepEqual(absolute.map((p) => p.reference), ["/work/elsewhere/SPEC.md"]);
  assert.match(absolute[0].reason, /machine it was written on/);
  // From a nested file, ../ stays inside and resolves there.
  assert.deepEqual(reported("src/services/hub/x.ts", 'import "../intake/main.ts";'), []);
  assert.deepEqual(reported("src/services/hub/x.ts", 'import "../intake/gone.ts";'), [
    "../intake/gone.ts",
  ]);
});

Deno.test("checkText() accepts references that resolve at the root, beside the file, or as a tail", () => {
  const text = [
    "README.md, docs/deploy.md, [ops](kitchen-operator.md#one-writer), `lib/chart.ts`,",
    "`files/load/scenario.js`, `./scripts/infra/up.sh`, reserve_slot.lua, `docs/runbooks/`,",
    'import "ovenline/v1/order.proto"; import "google/protobuf/timestamp.proto";',
  ].join("\n");
  assert.deepEqual(reported("docs/deploy.md", text), []);
});

Deno.test("checkText() checks placeholders, globs and brace lists against the repository", () => {
  const fine = [
    "`src/services/<name>/main.ts`, `docs/runbooks/*.md`, `src/adapters/{grpc,kafka}/`,",
    '"$root/scripts/infra/up.sh", "${ROOT}lua/reserve_slot.lua", `*.yml`, "${dir}/001_a.sql"',
  ].join("\n");
  assert.deepEqual(reported("README.md", fine), []);
  assert.deepEqual(
    reported("README.md", "`src/services/<name>/gone.ts` `docs/*.txt` `src/adapters/{grpc,ws}/`"),
    ["src/services/<name>/gone.ts", "docs/*.txt", "src/adapters/{grpc,ws}/"],
  );
  assert.deepEqual(expandBraces("a/{b,c}/{d,e}.md"), [
    "a/b/d.md",
    "a/b/e.md",
    "a/c/d.md",
    "a/c/e.md",
  ]);
  assert.deepEqual(expandBraces("erp:order:{id}"), ["erp:order:{id}"]);
});

Deno.test("checkText() leaves alone what only looks like a path", () => {
  const text = [
    "https://strimzi.io/charts/ npm:@grpc/grpc-js@1.14.7 node:path/posix redis://h:6379/0",
    "@kubernetes-models/keda/keda.sh kubernetes-models/v1/Secret apiVersion: kafka.strimzi.io/v1",
    "app.kubernetes.io/name /etc/ovenline/kafka-ca/ca.crt /api/v1/erp/orders/{id}/status",
    "and/or TCP/UDP Node.js, config.json, ./kafka-ca.crt, ./archive, ../ (the root)",
    "kubectl exec deploy/ovenline-consumer -- deno ...; .tools/deno/bin node_modules/x/y.js",
    "bench/results/tmp/<run>/logs/ slot:{kitchen}:{epoch} erp:order:{id} **docs/deploy.md**",
  ].join("\n");
  assert.deepEqual(reported("docs/deploy.md", text), []);
});

Deno.test("commentsAndStrings() keeps comments and strings of code, and only comments in tests", () => {
  const src = [
    "const a = obj.json; // see docs/a.md",
    "const re = /\\/x.md\\//; const b = `src/${name}/main.ts` + 'c.md' + \"d.md\";",
    "const ratio = x / y; /* e.md */ const s = `line",
    "two ${f(`inner.md`)} f.md`;",
  ].join("\n");
  const code = commentsAndStrings(src, true);
  assert.equal(code.split("\n").length, 4, "line breaks are kept");
  for (const kept of ["docs/a.md", "src/${}/main.ts", "c.md", "d.md", "e.md", "f.md"]) {
    assert.ok(code.includes(kept), `${kept} kept in ${JSON.stringify(code)}`);
  }
  for (const dropped of ["obj.json", "x.md", "inner.md", "ratio"]) {
    assert.ok(!code.includes(dropped), `${dropped} blanked in ${JSON.stringify(code)}`);
  }
  const test = commentsAndStrings(src, false);
  for (const kept of ["docs/a.md", "e.md"]) assert.ok(test.includes(kept), kept);
  for (const dropped of ["c.md", "d.md", "f.md", "src/"]) {
    assert.ok(!test.includes(dropped), dropped);
  }
  // In a test file the fixture strings are not references; in other code they are.
  assert.deepEqual(reported("src/x_test.ts", 'await write("001_a.sql"); // docs/deploy.md'), []);
  assert.deepEqual(reported("src/x.ts", 'await read("001_a.sql"); // docs/deploy.md'), [
    "001_a.sql",
  ]);
});

Deno.test("every doc, comment and chart text of the repository names files that exist in it", async () => {
  const problems = await scanRepository(ROOT, SELF);
  assert.deepEqual(
    problems.map((p) => `${p.file}:${p.line}: ${p.reference} (${p.reason})`),
    [],
    "references to files the repository does not have",
  );
});
