/**
 * Every Ovenline process of the chart runs with only the Deno permissions the chart renders for
 * it (cdk8s/lib/deno_permissions.ts), and still does its work: each container's command line,
 * exactly as `helm template` renders it for infrastructure outside the release (here the real
 * PostgreSQL, Redis and Kafka of `./dev up`), runs locally with the environment its pod would get
 * (test/support/rendered_container.ts). The migration and the housekeeper run to completion, the
 * services become ready by their own readiness probes, an order goes from intake through Kafka
 * and the consumer to the hub, telemetry still leaves, and the dead-letter tool lists its topic.
 * Then each process's flags, in front of a probe script, are refused what that process must not
 * do: another host, another file, another folder to write, the host name, and any variable the
 * chart does not set (it reads as unset).
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import {
  KITCHEN_GROUP,
  KITCHEN_PLURAL,
  KITCHEN_VERSION,
} from "../src/adapters/kubernetes/kitchen_crd.ts";
import {
  conditionOf,
  kitchenManifest,
  type KitchenResource,
} from "../src/adapters/kubernetes/kitchen_resource.ts";
import { ensurePartitions } from "../src/adapters/postgres/partitions.ts";
import { operatorRules } from "../src/services/kitchen_operator/rbac.ts";
import { ROOT_PATH } from "./support/infra.ts";
import { testKitchen } from "./support/kitchens.ts";
import { httpStatus, startKubeApi } from "./support/kube_api.ts";
import {
  ensureNamespace,
  installKitchenCrd,
  serviceAccountKubeconfig,
} from "./support/kube_kitchens.ts";
import { OtlpReceiver } from "./support/otlp_receiver.ts";
import { freePort } from "./support/ports.ts";
import { containerOf, localRelease, orderThroughHub, ready } from "./support/local_release.ts";
import {
  containerEnv,
  type LocalRun,
  localRun,
  runLocal,
  spawnLocal,
} from "./support/rendered_container.ts";
import { waitFor } from "./support/wait.ts";

const NAMESPACE = "default";
const ARCHIVE_DIR = "/var/lib/ovenline/archive";
const PROBE = "test/support/permission_probe.ts";
const CANARY = "OVENLINE_CANARY_SECRET";

/** `run` with the probe script in place of its entry point (the same flags before it). */
function probeRun(run: LocalRun, args: string[]): LocalRun {
  const script = run.args.findIndex((a) => /\.ts$/.test(a));
  return { ...run, args: [...run.args.slice(0, script), PROBE, ...args] };
}

/** The names a process's --allow-env lists. */
function allowedEnv(run: LocalRun): string[] {
  const flag = run.args.find((a) => a.startsWith("--allow-env="));
  assert.ok(flag, "an --allow-env= list");
  return flag.slice("--allow-env=".length).split(",");
}

Deno.test("each process runs with only the Deno permissions the chart renders, and does its work", async (t) => {
  const otlp = await OtlpReceiver.start();
  const release = await localRelease({
    otel: {
      endpoint: `http://127.0.0.1:${otlp.port}`,
      protocol: "http/json",
      collector: { enabled: false },
    },
  });
  const { objs, db, topics } = release;
  const forbidden = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const scratch = await Deno.makeTempDir({ prefix: "ovenline-permissions-" });
  const logDir = `${ROOT_PATH}.artifacts/logs/deno-permissions-${Date.now()}`;
  await Deno.mkdir(logDir, { recursive: true });
  const canaryFile = `${scratch}/canary.txt`;
  await Deno.writeTextFile(canaryFile, "not for Ovenline's eyes");
  const archive = `${scratch}/archive`;
  await Deno.mkdir(archive);
  const children: Deno.ChildProcess[] = [];
  const runs = new Map<string, LocalRun>();
  const runOf = (what: string, kind: string, name: string, paths: Record<string, string> = {}) => {
    const container = containerOf(objs, kind, name);
    const env = containerEnv(objs, container, { name: `${name}-0`, namespace: NAMESPACE }, {
      [CANARY]: "a value no process may read",
    });
    const run = localRun(container, env, paths);
    runs.set(what, run);
    return { container, run };
  };
  const start = async (service: string) => {
    const { container, run } = runOf(
      service,
      "Deployment",
      `ovenline-${service}`,
      release.volumes,
    );
    const child = await spawnLocal(run, `${logDir}/${service}.log`);
    children.push(child);
    await waitFor(
      `${service} to pass its readiness probe (log: ${logDir}/${service}.log)`,
      () => ready(container).catch(() => false),
      60_000,
      200,
    );
  };

  try {
    await t.step("the migration Job migrates the database", async () => {
      const { code, output } = await runLocal(runOf("migrate", "Job", "ovenline-migrate").run);
      assert.equal(code, 0, output);
      assert.match(output, /applied/);
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pizzas");
      assert.ok(rows[0].n > 0, "the seeded menu");
      await release.addKitchen();
    });

    await t.step("consumer, intake, promoter and hub pass their readiness probes", async () => {
      for (const service of ["consumer", "intake", "promoter", "hub"]) await start(service);
    });

    await t.step(
      "an order goes from intake through Kafka and the consumer to the hub",
      async () => {
        const { orderId, shown } = await orderThroughHub(release, runs.get("hub")!.env);
        assert.equal(shown.id, orderId);
      },
    );

    await t.step("their telemetry still reaches the collector", async () => {
      for (const service of ["intake", "hub"]) {
        await otlp.waitForSpan(
          `a span of ovenline-${service}`,
          (s) => s.service === `ovenline-${service}`,
          20_000,
        );
      }
    });

    await t.step(
      "the housekeeper archives a partition past retention into its folder",
      async () => {
        // A month long past any retention: archived (empty) and dropped.
        await ensurePartitions(db.pool, new Date(Date.UTC(2000, 0, 15)), 0);
        const { run } = runOf("housekeeper", "CronJob", "ovenline-housekeeper", {
          [ARCHIVE_DIR]: archive,
        });
        const { code, output } = await runLocal(run);
        assert.equal(code, 0, output);
        assert.match(output, /housekeeping done/);
        const files = [...Deno.readDirSync(archive)].map((e) => e.name);
        assert.deepEqual(files, ["orders_y2000m01.jsonl.gz"]);
      },
    );

    await t.step("the dead-letter Job lists its topic", async () => {
      const { code, output } = await runLocal(runOf("dlq", "Job", "ovenline-dlq").run);
      assert.equal(code, 0, output);
      assert.match(
        output,
        new RegExp(`0 dead letter\\(s\\) in ${topics.deadLetters.replace(".", "\\.")}`),
      );
    });

    await t.step(
      "each process is refused another file, host, folder, the host name and unset variables",
      async () => {
        const other = `127.0.0.1:${(forbidden.addr as Deno.NetAddr).port}`;
        const database = new URL(db.url).host;
        assert.deepEqual([...runs.keys()].sort(), [
          "consumer",
          "dlq",
          "housekeeper",
          "hub",
          "intake",
          "migrate",
          "promoter",
        ]);
        for (const [what, run] of runs) {
          // The promoter works on Redis only: the database is another host to it.
          const target = what === "promoter" ? database : other;
          const { code, output } = await runLocal(
            probeRun(run, [canaryFile, target, CANARY, scratch]),
          );
          assert.equal(code, 0, `${what}: ${output}`);
          const seen = JSON.parse(output.trim().split("\n").at(-1)!);
          assert.equal(seen.read, "NotCapable", `${what}: read ${canaryFile}`);
          assert.equal(seen.net, "NotCapable", `${what}: connect to ${target}`);
          assert.equal(seen.env, null, `${what}: ${CANARY}`);
          const allowed = new Set(allowedEnv(run));
          assert.deepEqual(seen.envNames.filter((n: string) => !allowed.has(n)), [], what);
          assert.ok(!seen.envNames.includes("HOME") && !seen.envNames.includes("PATH"), what);
          assert.equal(seen.sys, "NotCapable", `${what}: host name`);
          assert.equal(seen.write, "NotCapable", `${what}: write into ${scratch}`);
        }
      },
    );
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    }
    forbidden.close();
    await otlp.close();
    await release.close();
    await Deno.remove(scratch, { recursive: true });
  }
});

/**
 * The Kitchen operator (and its in-cluster Kubernetes client) with its rendered permissions
 * against a real kube-apiserver (scripts/k8s/apiserver.sh), set up as in its pod: the kubelet's
 * KUBERNETES_SERVICE_HOST/PORT, and the service account's token, CA and namespace at
 * /var/run/secrets/kubernetes.io/serviceaccount, which a private mount namespace provides
 * (unshare: a user namespace, no privileges).
 */
Deno.test("the Kitchen operator runs with its rendered permissions, in-cluster, and reconciles a Kitchen", async (t) => {
  const api = await startKubeApi();
  const healthPort = freePort();
  const lease = "ovenline-kitchen-operator";
  const release = await localRelease({
    kitchenOperator: { enabled: true, healthPort, leaseName: lease, resyncSeconds: 5 },
  });
  const { objs, db, redis } = release;
  const scratch = await Deno.makeTempDir({ prefix: "ovenline-operator-permissions-" });
  const namespace = "ovenline-permissions-test";
  let child: Deno.ChildProcess | undefined;
  try {
    await installKitchenCrd(api.kc);
    await ensureNamespace(api.kc, namespace);
    const { kc: asOperator } = await serviceAccountKubeconfig(
      api.kc,
      namespace,
      "kitchen-operator",
      operatorRules(lease),
      scratch,
    );
    // The service account's files, as the kubelet mounts them.
    const sa = `${scratch}/serviceaccount`;
    await Deno.mkdir(sa);
    const cluster = asOperator.getCurrentCluster()!;
    await Deno.writeTextFile(`${sa}/token`, asOperator.getCurrentUser()!.token!);
    await Deno.writeTextFile(`${sa}/ca.crt`, atob(cluster.caData!));
    await Deno.writeTextFile(`${sa}/namespace`, namespace);
    const server = new URL(cluster.server);

    const migrate = containerOf(objs, "Job", "ovenline-migrate");
    const migrated = await runLocal(
      localRun(migrate, containerEnv(objs, migrate, { name: "migrate-0", namespace })),
    );
    assert.equal(migrated.code, 0, migrated.output);
    const container = containerOf(objs, "Deployment", "ovenline-kitchen-operator");
    const env = containerEnv(objs, container, { name: "kitchen-operator-0", namespace }, {
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port,
    });
    const run = localRun(container, env);
    assert.ok(
      run.args.includes(
        `--allow-net=0.0.0.0:${healthPort},${new URL(db.url).host},${
          new URL(redis.url).host
        },${server.hostname}:${server.port}`,
      ),
      run.args.join(" "),
    );
    // A private /run (so /var/run) with the service account's files in it, then the command.
    const mountSa = [
      "mount -t tmpfs tmpfs /run",
      "mkdir -p /run/secrets/kubernetes.io/serviceaccount",
      `cp "${sa}"/* /run/secrets/kubernetes.io/serviceaccount/`,
      'exec "$@"',
    ].join(" && ");
    const inPod: LocalRun = {
      command: "unshare",
      args: [
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        mountSa,
        "sh",
        run.command,
        ...run.args,
      ],
      env: run.env,
    };
    child = await spawnLocal(inPod, `${scratch}/kitchen-operator.log`);
    const log = () => Deno.readTextFile(`${scratch}/kitchen-operator.log`).catch(() => "");

    await t.step(
      "it passes its readiness probe (database, Redis and the API server reached)",
      async () => {
        await waitFor(
          "the operator's readiness",
          () => ready(container).catch(() => false),
          60_000,
          200,
        )
          .catch(async (error) => {
            throw new Error(`${(error as Error).message}\n${await log()}`);
          });
      },
    );
    await t.step(
      "it reconciles a Kitchen resource (status Ready) and lets a deleted one go",
      async () => {
        const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
        const ref = {
          group: KITCHEN_GROUP,
          version: KITCHEN_VERSION,
          namespace,
          plural: KITCHEN_PLURAL,
        };
        const name = `perms-${crypto.randomUUID().slice(0, 8)}`;
        const kitchen = testKitchen({ id: name });
        await custom.createNamespacedCustomObject({
          ...ref,
          body: kitchenManifest(kitchen, namespace),
        });
        const done = await waitFor(
          "the Kitchen's status",
          async () => {
            const r = await custom.getNamespacedCustomObject({
              ...ref,
              name,
            }) as KitchenResource;
            return conditionOf(r.status, "Ready")?.status === "True" ? r : undefined;
          },
          30_000,
          200,
        ).catch(async (error) => {
          throw new Error(`${(error as Error).message}\n${await log()}`);
        });
        assert.equal(done.status?.observedGeneration, 1);
        // Deleted: the operator stops the kitchen and lets the resource go (its finalizer).
        await custom.deleteNamespacedCustomObject({ ...ref, name });
        await waitFor(
          "the Kitchen to be gone",
          async () => {
            try {
              await custom.getNamespacedCustomObject({ ...ref, name });
              return false;
            } catch (error) {
              return httpStatus(error) === 404;
            }
          },
          30_000,
          200,
        );
      },
    );
    await t.step(
      "it is refused another file, host, folder, the host name and unset variables",
      async () => {
        const forbidden = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        try {
          const probe = probeRun(run, [
            `${sa}/token`,
            `127.0.0.1:${(forbidden.addr as Deno.NetAddr).port}`,
            CANARY,
            scratch,
          ]);
          const { code, output } = await runLocal({
            ...probe,
            env: { ...probe.env, [CANARY]: "x" },
          });
          assert.equal(code, 0, output);
          const seen = JSON.parse(output.trim().split("\n").at(-1)!);
          assert.deepEqual(
            { read: seen.read, net: seen.net, env: seen.env, sys: seen.sys, write: seen.write },
            {
              read: "NotCapable",
              net: "NotCapable",
              env: null,
              sys: "NotCapable",
              write: "NotCapable",
            },
          );
        } finally {
          forbidden.close();
        }
      },
    );
  } finally {
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    }
    await release.close();
    await api.close();
    await Deno.remove(scratch, { recursive: true });
  }
});
