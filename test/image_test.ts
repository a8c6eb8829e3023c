/**
 * The container image, built by `./dev image` (buildah, on a base made here from Debian and the
 * deno 2.8.3 release binary), runs every entry point the way the chart runs it: under runc, as
 * uid 1993, with a read-only root filesystem, no capabilities, no privilege escalation and a
 * tmpfs at /tmp only. Each one does its work against the real Kafka, Redis and PostgreSQL of
 * scripts/infra (the containers share the host's network, so they reach 127.0.0.1):
 *
 * - the migration command migrates an empty database;
 * - intake, consumer, promoter and hub serve their probes, and the seed's example order placed
 *   on the containerised intake is recorded by the containerised consumer;
 * - the Kitchen operator serves its probe against a real kube-apiserver, and its file mode
 *   applies deploy/kitchens;
 * - the housekeeper runs to completion writing only its archive directory; the dead-letter tool
 *   lists; the token tool mints a token;
 * - the chart's own command lines, with each process's narrow Deno permissions
 *   (cdk8s/lib/deno_permissions.ts) and its pod's environment, migrate, serve, take an order to
 *   the hub, keep house and list dead letters (the steps above use the image's broad entry point).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { createTestDatabase } from "../src/adapters/postgres/test_database.ts";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { ROOT_PATH } from "./support/infra.ts";
import { testKitchen } from "./support/kitchens.ts";
import { startKubeApi } from "./support/kube_api.ts";
import { installKitchenCrd } from "./support/kube_kitchens.ts";
import { waitForOrder } from "./support/observe.ts";
import { freePort } from "./support/ports.ts";
import { TestStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { containerOf, localRelease, orderThroughHub, ready } from "./support/local_release.ts";
import { containerEnv } from "./support/rendered_container.ts";

const dec = new TextDecoder();

async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: ROOT_PATH })
    .output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** The hardening every Ovenline container gets in the chart, as podman flags. */
const HARDENED = [
  "--runtime",
  "runc",
  "--network",
  "host",
  "--read-only",
  "--user",
  "1993:1993",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
  "--tmpfs",
  "/tmp:rw,size=64m",
  // This VM refuses setrlimit to raise limits (no CAP_SYS_RESOURCE): give them as they are.
  "--ulimit",
  "nofile=1024:1024",
  "--ulimit",
  "nproc=1024:1024",
];

function envFlags(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
}

/** Runs the image to completion. */
async function runOnce(
  image: string,
  env: Record<string, string>,
  args: string[],
  extra: string[] = [],
) {
  return await run("podman", [
    "run",
    "--rm",
    ...HARDENED,
    ...extra,
    ...envFlags(env),
    image,
    ...args,
  ]);
}

Deno.test("the image runs every entry point read-only as uid 1993 under runc", async (t) => {
  const built = await run("bash", ["scripts/image.sh"]);
  assert.equal(built.code, 0, built.err);
  const image = built.out.trim().split("\n").at(-1)!;
  const size = await run("podman", ["image", "inspect", "--format", "{{.Size}}", image]);
  console.log(`image ${image}: ${(Number(size.out.trim()) / 1e6).toFixed(0)} MB`);

  const config = await run("podman", ["image", "inspect", "--format", "{{.Config.User}}", image]);
  assert.equal(config.out.trim(), "1993:1993", "the image's own user");

  const kitchen = testKitchen();
  const stack = await TestStack.start("image", { kitchens: [kitchen], services: [] });
  // intake's customer key set (CUSTOMER_JWKS_FILE) at the same path in the containers, readable
  // by the image's user.
  const jwksDir = dirname(stack.env.CUSTOMER_JWKS_FILE);
  await Deno.chmod(jwksDir, 0o755);
  await Deno.chmod(stack.env.CUSTOMER_JWKS_FILE, 0o644);
  const names: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const detached = async (name: string, env: Record<string, string>, args: string[]) => {
    const cname = `ovenline-image-test-${name}-${crypto.randomUUID().slice(0, 6)}`;
    names.push(cname);
    const r = await run("podman", [
      "run",
      "-d",
      "--name",
      cname,
      ...HARDENED,
      "--volume",
      `${jwksDir}:${jwksDir}:ro`,
      ...envFlags(env),
      image,
      ...args,
    ]);
    assert.equal(r.code, 0, r.err);
    return cname;
  };
  const logsOf = async (cname: string) => {
    const r = await run("podman", ["logs", cname]);
    return r.out + r.err;
  };
  const env: Record<string, string> = { ...stack.env, DEFAULT_KITCHEN_ID: kitchen.id };
  try {
    await t.step("the migration command migrates an empty database", async () => {
      const empty = await createTestDatabase({ migrate: false });
      try {
        const r = await runOnce(image, { DATABASE_URL: empty.url }, [
          "src/adapters/postgres/migrate_cli.ts",
        ]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out + r.err, /migrate: \d+ applied, 0 already applied/);
        const { rows } = await empty.pool.query("SELECT count(*)::int AS n FROM kitchens");
        assert.ok(rows[0].n >= 1, "the seed kitchen is there");
      } finally {
        await empty.drop();
      }
    });

    await t.step("intake, consumer, promoter and hub serve; an order goes through", async () => {
      const consumer = await detached("consumer", env, ["src/services/consumer/main.ts"]);
      await waitFor(
        "the consumer's /readyz",
        () => httpOk(`http://127.0.0.1:${stack.ports.consumerHealth}/readyz`),
        60_000,
        250,
      ).catch(async (e) => {
        throw new Error(`${e.message}\n${await logsOf(consumer)}`);
      });
      await detached("intake", env, ["src/services/intake/main.ts"]);
      await detached("promoter", env, ["src/services/promoter/main.ts"]);
      await detached("hub", env, ["src/services/hub/main.ts"]);
      for (
        const url of [
          `http://127.0.0.1:${stack.ports.promoterHealth}/readyz`,
          `${stack.hubUrl}/readyz`,
        ]
      ) {
        await waitFor(url, () => httpOk(url), 60_000, 250);
      }
      const kds = await fetch(`${stack.hubUrl}/kds`);
      await kds.body?.cancel();
      assert.equal(kds.status, 200, "the hub serves the KDS page from the read-only image");
      const res = await waitFor(
        "intake to accept the seed's example order",
        () => stack.api.createOrder(seedExampleRequest({ idempotencyKey: crypto.randomUUID() })),
        60_000,
        500,
      );
      assert.equal(res.totalPriceKopecks, "192400");
      const row = await waitForOrder(stack, res.orderId, 30_000);
      assert.equal(row.kitchen_id, kitchen.id);
    });

    await t.step("the Kitchen operator serves against a kube-apiserver", async () => {
      const api = await startKubeApi();
      try {
        await installKitchenCrd(api.kc);
        const port = freePort();
        // The container's user must be able to read it (the original is the admin's, mode 600).
        const kubeconfig = await Deno.makeTempFile({ suffix: ".kubeconfig" });
        await Deno.copyFile(api.kubeconfigPath, kubeconfig);
        await Deno.chmod(kubeconfig, 0o644);
        cleanups.push(() => Deno.remove(kubeconfig));
        const cname = `ovenline-image-test-operator-${crypto.randomUUID().slice(0, 6)}`;
        names.push(cname);
        const r = await run("podman", [
          "run",
          "-d",
          "--name",
          cname,
          ...HARDENED,
          "--volume",
          `${kubeconfig}:/etc/ovenline/kubeconfig:ro`,
          ...envFlags({
            DATABASE_URL: env.DATABASE_URL,
            REDIS_URL: env.REDIS_URL,
            KUBECONFIG: "/etc/ovenline/kubeconfig",
            KITCHEN_NAMESPACE: "default",
            KITCHEN_OPERATOR_HEALTH_PORT: String(port),
            LEASE_NAME: `image-test-${crypto.randomUUID().slice(0, 6)}`,
          }),
          image,
          "src/services/kitchen_operator/main.ts",
        ]);
        assert.equal(r.code, 0, r.err);
        await waitFor(
          "the operator's /readyz",
          () => httpOk(`http://127.0.0.1:${port}/readyz`),
          60_000,
          250,
        )
          .catch(async (e) => {
            throw new Error(`${e.message}\n${await logsOf(cname)}`);
          });
        await run("podman", ["rm", "-f", cname]);
      } finally {
        await api.close();
      }
    });

    await t.step("the Kitchen operator's file mode applies deploy/kitchens", async () => {
      const r = await runOnce(
        image,
        { DATABASE_URL: env.DATABASE_URL },
        ["src/services/kitchen_operator/apply_cli.ts", "/kitchens"],
        ["--volume", `${ROOT_PATH}deploy/kitchens:/kitchens:ro`],
      );
      assert.equal(r.code, 0, r.out + r.err);
    });

    await t.step("the housekeeper runs to completion, writing only its archive", async () => {
      // The chart's command: the image's flags plus write access to the archive only.
      const r = await run("podman", [
        "run",
        "--rm",
        ...HARDENED,
        "--tmpfs",
        "/var/lib/ovenline/archive:rw,mode=1777",
        "--entrypoint",
        "deno",
        ...envFlags({ DATABASE_URL: env.DATABASE_URL, ARCHIVE_DIR: "/var/lib/ovenline/archive" }),
        image,
        "run",
        "--node-modules-dir=manual",
        "--frozen",
        "--cached-only",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "--allow-sys",
        "--allow-write=/var/lib/ovenline/archive",
        "src/services/housekeeper/main.ts",
      ]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out + r.err, /housekeeping done/);
    });

    await t.step("the dead-letter tool lists and the token tool mints", async () => {
      const dlq = await runOnce(image, env, ["src/services/dlq/main.ts", "list"]);
      assert.equal(dlq.code, 0, dlq.out + dlq.err);
      const token = await runOnce(
        image,
        { AUTH_JWT_SECRET: env.AUTH_JWT_SECRET },
        ["src/services/tokens/main.ts", "--role", "kitchen"],
      );
      assert.equal(token.code, 0, token.err);
      assert.match(token.out.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    await t.step(
      "the chart's own commands, with their narrow permissions, do their work",
      async () => {
        // Each container of the chart as rendered for `./dev up`'s infrastructure: its command line
        // (deno_permissions.ts) and the environment its pod gets, in place of the image's own flags.
        const release = await localRelease();
        const chartRun = async (
          kind: string,
          name: string,
          opts: { detach?: boolean; extra?: string[] } = {},
        ) => {
          const container = containerOf(release.objs, kind, name);
          const env = containerEnv(release.objs, container, {
            name: `${name}-0`,
            namespace: "default",
          });
          for (const own of ["PATH", "HOME", "DENO_DIR"]) delete env[own]; // the image's
          const cname = `ovenline-image-test-chart-${name.slice(9)}-${
            crypto.randomUUID().slice(0, 6)
          }`;
          if (opts.detach) names.push(cname);
          const r = await run("podman", [
            "run",
            ...(opts.detach ? ["-d", "--name", cname] : ["--rm"]),
            ...HARDENED,
            ...Object.entries(release.volumes).flatMap(([at, dir]) => [
              "--volume",
              `${dir}:${at}:ro`,
            ]),
            ...(opts.extra ?? []),
            "--entrypoint",
            "deno",
            ...envFlags(env),
            image,
            ...[...container.command.slice(1), ...(container.args ?? [])],
          ]);
          return { ...r, container, env, cname };
        };
        try {
          const migrated = await chartRun("Job", "ovenline-migrate");
          assert.equal(migrated.code, 0, migrated.out + migrated.err);
          await release.addKitchen();
          for (const service of ["consumer", "intake", "promoter", "hub"]) {
            const started = await chartRun("Deployment", `ovenline-${service}`, { detach: true });
            assert.equal(started.code, 0, started.err);
            await waitFor(
              `the chart's ${service}`,
              () => ready(started.container).catch(() => false),
              60_000,
              250,
            )
              .catch(async (e) => {
                throw new Error(`${e.message}\n${await logsOf(started.cname)}`);
              });
          }
          const hub = containerOf(release.objs, "Deployment", "ovenline-hub");
          const { orderId, shown } = await orderThroughHub(
            release,
            containerEnv(release.objs, hub, { name: "hub-0", namespace: "default" }),
          );
          assert.equal(shown.id, orderId);
          const kept = await chartRun("CronJob", "ovenline-housekeeper", {
            extra: ["--tmpfs", "/var/lib/ovenline/archive:rw,mode=1777"],
          });
          assert.equal(kept.code, 0, kept.out + kept.err);
          assert.match(kept.out + kept.err, /housekeeping done/);
          const listed = await chartRun("Job", "ovenline-dlq");
          assert.equal(listed.code, 0, listed.out + listed.err);
          assert.match(listed.out + listed.err, /0 dead letter\(s\)/);
        } finally {
          for (const n of names.filter((n) => n.includes("-chart-"))) {
            await run("podman", ["rm", "-f", n]);
          }
          await release.close();
        }
      },
    );

    await t.step("nothing can be written outside /tmp", async () => {
      const r = await runOnce(image, {}, ["eval", "Deno.writeTextFileSync('/app/x', 'x')"], [
        "--entrypoint",
        "deno",
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /Read-only file system|PermissionDenied|NotCapable|permission/i);
    });
  } finally {
    for (const n of names) await run("podman", ["rm", "-f", n]);
    for (const c of cleanups) await c().catch(() => {});
    await stack.close();
  }
});

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.ok;
}
