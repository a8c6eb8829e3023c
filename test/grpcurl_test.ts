/**
 * grpcurl, the stock gRPC client, against a real intake and consumer (on the real Kafka, Redis and
 * PostgreSQL), through server reflection alone: no .proto files, no protoset. grpcurl is the
 * pinned one from scripts/grpcurl.sh (`go install` into .tools/grpcurl on first use).
 *
 * The README's "gRPC API" section is run as written: each command of its console transcripts
 * against a stack set up like `./dev demo`'s (kitchen "main" open around the clock, the same
 * migrations and menu), on the stack's own port, its output compared with what the README shows.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import {
  compareOutput,
  consoleTranscript,
  ELLIPSIS,
  markdownSection,
  type TranscriptEntry,
} from "./support/console_transcript.ts";
import { goTool } from "./support/go_tools.ts";
import { ROOT_PATH } from "./support/infra.ts";
import { testKitchen } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";
import { createTestPki } from "./support/tls_certs.ts";

const README_SECTION = "gRPC API";
/** The address the README's commands name (intake's default port, as `./dev demo` runs it). */
const README_ADDRESS = "127.0.0.1:50051";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Values that differ from run to run: order ids, times, display numbers. */
const VARIABLE = [
  new RegExp(UUID, "g"),
  /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g,
  /(?<="displayId": ")\d+(?=")/g,
];
/** `NAME=value   # comment`: the README sets a shell variable from output it showed. */
const ASSIGNMENT = /^([A-Z_]+)=(\S+)\s*(#.*)?$/;
/** `NAME=$(command)   # comment`: the README sets a shell variable from a command's output. */
const SUBSTITUTION = /^([A-Z_]+)=\$\((.+)\)\s*(#.*)?$/;
const COMMAND_TIMEOUT_MS = 30_000;

const readmeTranscript = (): TranscriptEntry[] => {
  const readme = Deno.readTextFileSync(`${ROOT_PATH}README.md`);
  const section = markdownSection(readme, README_SECTION);
  const firstLine = readme.slice(0, readme.indexOf(section)).split("\n").length;
  return consoleTranscript(section, firstLine);
};

interface Run {
  readonly code: number;
  readonly output: string;
}

/** `command` running in bash, stdout and stderr together as a terminal shows them. */
class Shell {
  #text = "";
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];
  readonly done: Promise<Run>;

  constructor(command: string, env: Record<string, string>) {
    const child = new Deno.Command("bash", {
      args: ["-c", `exec 2>&1\n${command}`],
      env,
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    }).spawn();
    this.done = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.#text += chunk;
        this.#waiters = this.#waiters.filter((w) =>
          !w.pattern.test(this.#text) || void w.resolve()
        );
      }
      const status = await child.status;
      return { code: status.code, output: this.#text };
    })();
  }

  /** Resolves once the output so far matches `pattern` (or the command has ended). */
  printed(pattern: RegExp): Promise<unknown> {
    const seen = new Promise<void>((resolve) => {
      if (pattern.test(this.#text)) resolve();
      else this.#waiters.push({ pattern, resolve });
    });
    return Promise.race([seen, this.done]);
  }
}

async function grpcurl(args: string[]): Promise<Run> {
  const out = await new Deno.Command(await goTool("grpcurl.sh"), {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, output: text(out.stdout) + text(out.stderr) };
}

/** Every service, message and enum in the descriptor set intake's reflection serves. */
function servedTypes() {
  const set = Deno.readFileSync(`${ROOT_PATH}src/gen/descriptor_set.binpb`);
  return [...createFileRegistry(fromBinary(FileDescriptorSetSchema, set))];
}

Deno.test("console transcripts: commands, continuation lines, elided output, variable values", async (t) => {
  const markdown = [
    "## A",
    "```console",
    '$ grpcurl -d \'{"a": 1,',
    '    "b": 2}\' host list',
    "{",
    '  "id": "6794f053-0ecd-4959-a57e-fb9bb9ffacc6",',
    "…",
    "}",
    "$ echo a \\",
    "    b",
    "a b",
    "```",
    "## B",
  ].join("\n");
  const entries = consoleTranscript(markdownSection(markdown, "A"));
  await t.step("commands and their output", () => {
    assert.deepEqual(entries.map((e) => [e.command, e.line]), [
      ['grpcurl -d \'{"a": 1,\n    "b": 2}\' host list', 3],
      ["echo a \\\n    b", 9],
    ]);
    assert.deepEqual(entries[1].output, ["a b"]);
  });
  const shown = entries[0].output;
  await t.step("a match, with lines left out and another id", () => {
    const printed = '{\n  "id": "00000000-1111-2222-3333-444444444444",\n  "x": 1,\n  "y": 2\n}\n';
    assert.equal(compareOutput(shown, printed, VARIABLE), undefined);
    assert.equal(
      compareOutput(shown, '{\n\t"id":   "6794f053-0ecd-4959-a57e-fb9bb9ffacc6",\n}'),
      undefined,
    );
  });
  await t.step("a mismatch says what is missing", () => {
    assert.match(
      compareOutput(shown, '{\n  "x": 1\n}', VARIABLE) ?? "",
      /not printed: "\\"id\\": \\"<var>\\","/,
    );
    assert.match(compareOutput(["a", ELLIPSIS, "b"], "b\na") ?? "", /not in the order/);
    assert.match(compareOutput(["a"], "a\nb") ?? "", /not in the order or number/);
  });
});

Deno.test("grpcurl through server reflection alone: the README's commands work as printed; every type can be described", async (t) => {
  const grpcurlPath = await goTool("grpcurl.sh");
  const stack = await TestStack.start("grpcurl", { kitchens: [], services: [] });
  try {
    // As ./dev demo does: the migrated kitchen "main" (the default), open around the clock.
    const setUp = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${ROOT_PATH}scripts/demo_kitchen.ts`],
      env: { DATABASE_URL: stack.db.url },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(setUp.success, new TextDecoder().decode(setUp.stderr));
    await stack.startService("consumer");
    await stack.startService("intake");
    const address = `127.0.0.1:${stack.ports.grpc}`;

    await t.step("the README's gRPC API section runs as printed", async () => {
      const entries = readmeTranscript();
      const commands = entries.map((e) => e.command);
      const has = (pattern: RegExp, what: string) =>
        assert.ok(commands.some((c) => pattern.test(c)), `the README shows ${what}`);
      has(/ list$/, "grpcurl list");
      has(/ describe ovenline\.v1\.OrderService$/, "describe of the service");
      has(/ describe ovenline\.v1\.\w+Request$/, "describe of a message");
      has(/OrderService\/CreateOrder$/, "CreateOrder");
      has(/OrderService\/GetOrder$/, "GetOrder");
      has(/OrderService\/WatchOrder$/, "WatchOrder");
      has(/grpc\.health\.v1\.Health\/Check$/, "a health check");
      has(/-H "authorization: Bearer \$TOKEN"/, "calls signed in with a customer token");
      assert.ok(
        entries.some((e) => e.output.some((l) => l.includes("Code: Unauthenticated"))),
        "the README shows a call without a token refused",
      );
      assert.ok(
        entries.some((e) => e.output.some((l) => l.includes("google.rpc.BadRequest"))),
        "the README shows decoded BadRequest details",
      );

      const vars: Record<string, string> = {};
      // `./dev customer-token` signs with the tests' identity provider, which this stack trusts.
      const identity = stack.customers!;
      const keyFile = await Deno.makeTempFile({ suffix: ".jwk" });
      await Deno.writeTextFile(keyFile, JSON.stringify(identity.privateJwk));
      const toolEnv = {
        ...identity.env,
        CUSTOMER_SIGNING_KEY_FILE: keyFile,
        AUTH_JWT_SECRET: stack.env.AUTH_JWT_SECRET,
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/tmp",
      };
      let lastOrderId: string | undefined;
      let background: { entry: TranscriptEntry; shell: Shell } | undefined;
      const check = (entry: TranscriptEntry, run: Run) => {
        const where = `README.md:${entry.line}: ${entry.command}`;
        const error = entry.output[0]?.startsWith("ERROR:");
        assert.equal(run.code !== 0, error, `${where}\nexit code ${run.code}:\n${run.output}`);
        const difference = compareOutput(entry.output, run.output, VARIABLE);
        assert.equal(difference, undefined, `${where}\n${difference}`);
        lastOrderId = run.output.match(/"orderId": "([^"]+)"/)?.[1] ?? lastOrderId;
      };
      for (const entry of entries) {
        const substitution = entry.command.match(SUBSTITUTION);
        if (substitution) {
          assert.match(substitution[2], /^\.\/dev customer-token /, `README.md:${entry.line}`);
          const run = await new Shell(`cd ${ROOT_PATH} && ${substitution[2]}`, toolEnv).done;
          assert.equal(run.code, 0, `README.md:${entry.line}: ${run.output}`);
          vars[substitution[1]] = run.output.trim().split("\n").at(-1)!;
          assert.match(vars[substitution[1]], /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT");
          continue;
        }
        const assignment = entry.command.match(ASSIGNMENT);
        if (assignment) {
          assert.ok(lastOrderId, `README.md:${entry.line}: nothing printed an orderId before`);
          assert.match(assignment[2], UUID, "the README's value is an order id");
          vars[assignment[1]] = lastOrderId;
          continue;
        }
        assert.match(entry.command, /^grpcurl /, `README.md:${entry.line}`);
        assert.ok(
          entry.command.includes(README_ADDRESS),
          `README.md:${entry.line} names ${README_ADDRESS}`,
        );
        const env = {
          PATH: `${dirname(grpcurlPath)}:${Deno.env.get("PATH")}`,
          HOME: Deno.env.get("HOME") ?? "/tmp",
          ...vars,
        };
        const shell = new Shell(entry.command.replaceAll(README_ADDRESS, address), env);
        if (entry.command.endsWith("/WatchOrder")) {
          // The stream stays open until the order ends, which the README's next command does;
          // that runs once the stream has printed the order's status now (a whole JSON object).
          background = { entry, shell };
          await shell.printed(/^}$/m);
          continue;
        }
        check(entry, await shell.done);
        if (background) {
          check(background.entry, await background.shell.done);
          background = undefined;
        }
      }
      assert.equal(
        background,
        undefined,
        "a WatchOrder in the README is followed by a command that ends it",
      );
    });

    await t.step("list names exactly the API, health and reflection services", async () => {
      const run = await grpcurl(["-plaintext", address, "list"]);
      assert.equal(run.code, 0, run.output);
      assert.deepEqual(run.output.trim().split("\n"), [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "ovenline.v1.OrderService",
      ]);
      const methods = await grpcurl(["-plaintext", address, "list", "ovenline.v1.OrderService"]);
      assert.deepEqual(methods.output.trim().split("\n"), [
        "ovenline.v1.OrderService.CancelOrder",
        "ovenline.v1.OrderService.CreateOrder",
        "ovenline.v1.OrderService.GetOrder",
        "ovenline.v1.OrderService.WatchOrder",
      ]);
    });

    await t.step(
      "describe shows every service, message and enum the server speaks, each member included",
      async () => {
        const types = servedTypes().filter((d) => d.kind !== "extension");
        assert.ok(types.length > 50, `${types.length} types`);
        for (const kind of ["service", "message", "enum"]) {
          assert.ok(types.some((d) => d.kind === kind), kind);
        }
        const failures: string[] = [];
        // Four grpcurl processes at a time.
        for (let i = 0; i < types.length; i += 4) {
          await Promise.all(
            types.slice(i, i + 4).map(async (type) => {
              const run = await grpcurl(["-plaintext", address, "describe", type.typeName]);
              const article = type.kind === "enum" ? "an" : "a";
              const members = type.kind === "service"
                ? type.methods.map((m) => `rpc ${m.name} (`)
                : type.kind === "enum"
                ? type.values.map((v) => ` ${v.name} = ${v.number}`)
                : type.fields.map((f) => ` ${f.name} = ${f.number}`);
              const missing = [`${type.typeName} is ${article} ${type.kind}:`, ...members]
                .filter((text) => !run.output.includes(text));
              if (run.code !== 0 || missing.length > 0) {
                failures.push(
                  `${type.typeName}: exit ${run.code}, missing ${
                    missing.join(", ")
                  }\n${run.output}`,
                );
              }
            }),
          );
        }
        assert.deepEqual(failures, []);
      },
    );
  } finally {
    await stack.close();
  }
});

Deno.test("grpcurl over mutual TLS: with the CA and a client certificate it lists, describes and calls as a trusted backend-for-frontend; without the certificate it is refused", async () => {
  const pki = await createTestPki();
  const kitchen = testKitchen();
  try {
    const stack = await TestStack.start("grpcurl_mtls", {
      kitchens: [kitchen],
      env: {
        GRPC_TLS_CERT_FILE: pki.serverCert,
        GRPC_TLS_KEY_FILE: pki.serverKey,
        GRPC_TLS_CLIENT_CA_FILE: pki.caCert,
        // The client certificate's subject (CN=kitchen-app): a trusted backend-for-frontend.
        TRUSTED_BFF_SUBJECTS: "kitchen-app",
      },
      grpcClient: {
        credentials: credentials.createSsl(
          pki.read(pki.caCert),
          pki.read(pki.clientKey),
          pki.read(pki.clientCert),
        ),
        // Deno's TLS client takes no IP address as the server name.
        options: { "grpc.ssl_target_name_override": "localhost" },
      },
    });
    try {
      // grpcurl (Go) checks the certificate against the IP address it dials.
      const address = `127.0.0.1:${stack.ports.grpc}`;
      const tls = ["-cacert", pki.caCert, "-cert", pki.clientCert, "-key", pki.clientKey];
      const list = await grpcurl([...tls, address, "list"]);
      assert.equal(list.code, 0, list.output);
      assert.match(list.output, /^ovenline\.v1\.OrderService$/m);
      assert.match(list.output, /^grpc\.health\.v1\.Health$/m);
      const describe = await grpcurl([...tls, address, "describe", "ovenline.v1.OrderEvent"]);
      assert.equal(describe.code, 0, describe.output);
      assert.match(describe.output, /\.google\.protobuf\.Timestamp occurred_at = 4;/);
      const request = JSON.stringify({
        customer_id: 12345,
        pizza_name: "Пицца Классическая",
        quantity: 2,
        customer_first_name: "Иван",
        customer_last_name: "Иванов",
        customer_phone: "+79001234567",
        delivery_address: "ул. Ленина, д. 1",
        kitchen_id: kitchen.id,
      });
      const create = (...headers: string[]) =>
        grpcurl([
          ...tls,
          ...headers.flatMap((h) => ["-H", h]),
          "-d",
          request,
          address,
          "ovenline.v1.OrderService/CreateOrder",
        ]);
      // The backend-for-frontend vouches for the customer it calls for.
      const created = await create("customer-id: 12345");
      assert.equal(created.code, 0, created.output);
      assert.equal(JSON.parse(created.output).kitchenId, kitchen.id);
      assert.equal(JSON.parse(created.output).status, "ORDER_STATUS_PENDING");
      // …and may not vouch for one customer while the body names another.
      const mismatch = await create("customer-id: 777");
      assert.notEqual(mismatch.code, 0);
      assert.match(mismatch.output, /PermissionDenied[\s\S]*customer_id 12345 is not/);
      // Without naming a customer it is refused.
      const unnamed = await create();
      assert.notEqual(unnamed.code, 0);
      assert.match(unnamed.output, /Unauthenticated[\s\S]*names the customer in the customer-id/);

      const anonymous = await grpcurl([
        "-cacert",
        pki.caCert,
        "-connect-timeout",
        "5",
        address,
        "list",
      ]);
      // TLS 1.3: how the refusal reads depends on timing ("certificate required", EOF, reset).
      assert.notEqual(anonymous.code, 0, anonymous.output);
      assert.doesNotMatch(anonymous.output, /OrderService/);
    } finally {
      await stack.close();
    }
  } finally {
    await pki.remove();
  }
});
