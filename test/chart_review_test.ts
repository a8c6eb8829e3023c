/**
 * What a platform engineer found reading the chart before installing it (issue 13), each checked
 * on the rendered output: egress ports that follow the external endpoints, no claim that blocks
 * `helm install --wait`, KEDA's reach to Kafka, PostgreSQL connections at scale-out, Kafka spread
 * over nodes, private CAs, and the smaller ones.
 */
import assert from "node:assert/strict";
import { connectionsOf } from "../src/config/database_connections.ts";
import {
  envOf,
  find,
  type K8sObject,
  render,
  renderError,
  validateObject,
} from "./support/chart.ts";

const EXTERNAL = ["deploy/values-external.yaml"];

/** The ports of `component`'s egress rules towards networkPolicy.externalTo (ipBlock peers). */
function externalEgressPorts(objs: K8sObject[], component: string): number[][] {
  const np = find(objs, "NetworkPolicy", `ovenline-netpol-${component}`);
  return (np.spec.egress ?? [])
    .filter((r: { to?: { ipBlock?: unknown }[] }) => r.to?.some((p) => p.ipBlock))
    .map((r: { ports?: { port: number }[] }) => (r.ports ?? []).map((p) => p.port));
}

Deno.test("external Kafka, PostgreSQL, Redis and OTLP: egress opens the ports their endpoints name", async (t) => {
  await t.step(
    "values-external.yaml: Redis on 6380 (rediss URL), Kafka 9093, the database's listed port, OTLP 4318",
    async () => {
      const objs = await render({ valuesFiles: EXTERNAL });
      for (const obj of objs) validateObject(obj);
      assert.deepEqual(externalEgressPorts(objs, "consumer"), [[9093], [6380], [5432], [4318]]);
      assert.deepEqual(externalEgressPorts(objs, "promoter"), [[6380], [4318]]);
      assert.deepEqual(externalEgressPorts(objs, "housekeeper"), [[5432]]);
    },
  );
  await t.step("other URLs, other ports; a URL without one gets its scheme's", async () => {
    const objs = await render({
      valuesFiles: EXTERNAL,
      values: {
        redis: { external: { url: "redis://cache.example:7000/2" } },
        kafka: { external: { brokers: "k1.example:19092, k2.example:19093" } },
        otel: { endpoint: "https://otlp.example" },
      },
    });
    assert.deepEqual(externalEgressPorts(objs, "consumer"), [
      [19092, 19093],
      [7000],
      [5432],
      [443],
    ]);
    const plain = await render({
      valuesFiles: EXTERNAL,
      set: { "redis.external.url": "rediss://:secret@cache.example" },
    });
    assert.deepEqual(externalEgressPorts(plain, "promoter")[0], [6379]);
  });
  await t.step("a database URL in values: its port, and the extra ones listed", async () => {
    const objs = await render({
      valuesFiles: EXTERNAL,
      set: {
        "postgres.external.existingSecret": "",
        "postgres.external.url":
          "postgres://ovenline:p%40ss@db.example:6432/ovenline?sslmode=require",
      },
    });
    assert.deepEqual(externalEgressPorts(objs, "housekeeper"), [[6432, 5432]]);
  });
  await t.step(
    "an existing Secret's database without listed ports is refused, naming the value",
    async () => {
      const err = await renderError({
        valuesFiles: EXTERNAL,
        values: { networkPolicy: { externalPostgresPorts: [] } },
      });
      assert.match(err ?? "", /networkPolicy\.externalPostgresPorts/);
    },
  );
  await t.step("a broker without a port is refused, naming the value", async () => {
    const err = await renderError({
      valuesFiles: EXTERNAL,
      values: { kafka: { external: { brokers: "k1.example:9093,k2.example" } } },
    });
    assert.match(err ?? "", /kafka\.external\.brokers/);
  });
  await t.step(
    "no endpoint, no rule: never a rule without ports (that would open every port)",
    async () => {
      const objs = await render({});
      const np = find(objs, "NetworkPolicy", "ovenline-netpol-otel-collector");
      assert.deepEqual(np.spec.egress ?? [], []);
      for (const o of objs.filter((x) => x.kind === "NetworkPolicy")) {
        for (const rule of o.spec.egress ?? []) {
          assert.ok(rule.ports?.length > 0, `${o.metadata.name}: an egress rule without ports`);
        }
      }
    },
  );
  await t.step("the in-release dependencies keep their own ports", async () => {
    const objs = await render({});
    assert.equal(envOf(objs, "ovenline-hub", "REDIS_URL"), "redis://ovenline-redis:6379");
    assert.deepEqual(externalEgressPorts(objs, "consumer"), []);
  });
});

Deno.test("helm install --wait never waits for a claim that only binds when first mounted", async (t) => {
  for (const files of [[], ["deploy/values-prod.yaml"]]) {
    await t.step(files.join(" ") || "defaults", async () => {
      const objs = await render({ valuesFiles: files });
      const claims = objs.filter((o) => o.kind === "PersistentVolumeClaim");
      assert.deepEqual(claims.map((c) => c.metadata.name), ["ovenline-housekeeper-archive"]);
      const ann = claims[0].metadata.annotations;
      // A hook is not waited for (only Jobs and Pods are); the release's own objects are.
      assert.deepEqual(ann["helm.sh/hook"].split(","), ["pre-install", "pre-upgrade"]);
      // Without a delete policy Helm deletes a hook's object before creating it again: that
      // would delete the archives on every upgrade.
      const policies = (ann["helm.sh/hook-delete-policy"] ?? "").split(",");
      assert.ok(policies[0], "a delete policy is set");
      assert.ok(!policies.includes("before-hook-creation"), policies.join());
      assert.ok(!policies.includes("hook-succeeded"), policies.join());
      assert.equal(ann["helm.sh/resource-policy"], "keep");
      const cronJob = find(objs, "CronJob", "ovenline-housekeeper");
      const volume = cronJob.spec.jobTemplate.spec.template.spec.volumes.find((
        v: { name: string },
      ) => v.name === "archive");
      assert.equal(volume.persistentVolumeClaim.claimName, claims[0].metadata.name);
    });
  }
  await t.step("the template leaves the claim out once the cluster has it (lookup)", async () => {
    const template = await Deno.readTextFile(
      new URL("../charts/ovenline/templates/housekeeper-archive-pvc.yaml", import.meta.url),
    );
    assert.match(template, /lookup "v1" "PersistentVolumeClaim" \$\.Release\.Namespace/);
  });
});

Deno.test("KEDA's scaler, in its own namespace, reaches Kafka by the namespace-qualified name", async () => {
  const objs = await render({ release: "shop" });
  const so = find(objs, "ScaledObject");
  assert.equal(
    so.spec.triggers[0].metadata.bootstrapServers,
    "shop-ovenline-kafka-kafka-bootstrap.default.svc:9093",
  );
  // The services, in the release's namespace, keep the short name.
  assert.equal(
    envOf(objs, "shop-ovenline-consumer", "KAFKA_BROKERS"),
    "shop-ovenline-kafka-kafka-bootstrap:9093",
  );
  const external = find(await render({ valuesFiles: EXTERNAL }), "ScaledObject");
  assert.equal(
    external.spec.triggers[0].metadata.bootstrapServers,
    "kafka-0.kafka.example.internal:9093,kafka-1.kafka.example.internal:9093,kafka-2.kafka.example.internal:9093",
  );
});

Deno.test("PostgreSQL's max_connections covers every pool at the most replicas, or the chart refuses", async (t) => {
  /** The worst case by hand: pods at most, plus a rolling update's 25% (rounded up). */
  const surge = (n: number) => n + Math.ceil(n / 4);
  const c = connectionsOf;
  const maxConnections = (objs: K8sObject[]) =>
    Number(find(objs, "Cluster").spec.postgresql.parameters.max_connections);
  await t.step(
    "defaults: intake and hub to 10, consumer to the 6 partitions: 226 + 20",
    async () => {
      const worst = surge(10) * c("intake") + surge(6) * c("consumer") + surge(10) * c("hub") +
        c("housekeeper") + c("migrate");
      assert.equal(worst, 226);
      assert.equal(maxConnections(await render({})), worst + 20);
    },
  );
  await t.step(
    "values-prod.yaml: intake 24, consumer 12, hub 12, two operators: 402 + 20",
    async () => {
      const worst = surge(24) * c("intake") + surge(12) * c("consumer") + surge(12) * c("hub") +
        surge(2) * c("kitchen_operator") + c("housekeeper") + c("migrate");
      assert.equal(worst, 402);
      assert.equal(maxConnections(await render({ valuesFiles: ["deploy/values-prod.yaml"] })), 422);
    },
  );
  await t.step("it follows the replicas: intake without autoscaling, 3 replicas", async () => {
    const objs = await render({
      set: { "intake.autoscaling.enabled": false, "intake.replicas": 3 },
    });
    assert.equal(maxConnections(objs), 246 - (surge(10) - surge(3)) * c("intake"));
  });
  await t.step(
    "a given limit is kept when it is enough, refused with the numbers when not",
    async () => {
      const objs = await render({ set: { "postgres.operator.maxConnections": 400 } });
      assert.equal(maxConnections(objs), 400);
      const err = await renderError({ set: { "postgres.operator.maxConnections": 100 } });
      assert.match(err ?? "", /postgres\.operator\.maxConnections is 100.* open 226 connections/);
      const tooMany = await renderError({
        set: { "postgres.operator.maxConnections": 400, "intake.autoscaling.maxReplicas": 100 },
      });
      assert.match(tooMany ?? "", /maxConnections is 400/);
    },
  );
  await t.step("an external database's limit, when given, is checked the same way", async () => {
    await render({ valuesFiles: EXTERNAL, set: { "postgres.external.maxConnections": 500 } });
    const err = await renderError({
      valuesFiles: EXTERNAL,
      set: { "postgres.external.maxConnections": 150 },
    });
    assert.match(err ?? "", /postgres\.external\.maxConnections is 150/);
  });
});

Deno.test("Kafka nodes and PostgreSQL instances spread over workers and zones", async (t) => {
  const kafkaPods = { "strimzi.io/cluster": "ovenline-kafka", "strimzi.io/kind": "Kafka" };
  await t.step(
    "values-prod.yaml: one Kafka node per worker required, zones spread, racks",
    async () => {
      const objs = await render({ valuesFiles: ["deploy/values-prod.yaml"] });
      const pod = find(objs, "KafkaNodePool").spec.template.pod;
      assert.deepEqual(
        pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
        [
          { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: kafkaPods } },
        ],
      );
      assert.deepEqual(
        pod.topologySpreadConstraints.map((c: Record<string, unknown>) => [
          c.topologyKey,
          c.whenUnsatisfiable,
          c.maxSkew,
        ]),
        [
          ["topology.kubernetes.io/zone", "DoNotSchedule", 1],
          ["kubernetes.io/hostname", "DoNotSchedule", 1],
        ],
      );
      assert.deepEqual(find(objs, "Kafka").spec.kafka.rack, {
        topologyKey: "topology.kubernetes.io/zone",
      });
      assert.deepEqual(find(objs, "Cluster").spec.affinity, {
        enablePodAntiAffinity: true,
        topologyKey: "kubernetes.io/hostname",
        podAntiAffinityType: "required",
      });
    },
  );
  await t.step(
    "defaults: the same spread preferred (a small cluster still schedules)",
    async () => {
      const objs = await render({});
      const pod = find(objs, "KafkaNodePool").spec.template.pod;
      const preferred =
        pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
      assert.equal(preferred[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
      assert.deepEqual(preferred[0].podAffinityTerm.labelSelector.matchLabels, kafkaPods);
      assert.equal(
        pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
        undefined,
      );
      assert.equal(find(objs, "Kafka").spec.kafka.rack, undefined);
      assert.equal(find(objs, "Cluster").spec.affinity.podAntiAffinityType, "preferred");
    },
  );
});

Deno.test("the hub's token key: the schema refuses one shorter than the hub accepts", async () => {
  const err = await renderError({ set: { "auth.jwtSecret": "x".repeat(31) } });
  assert.match(err ?? "", /jwtSecret/);
  const objs = await render({ set: { "auth.jwtSecret": "x".repeat(32) } });
  assert.equal(find(objs, "Secret", "ovenline-auth").stringData["jwt-secret"], "x".repeat(32));
  await render({}); // empty: generated (32 characters)
});

Deno.test("migrations.enabled=false leaves no migration anywhere, init containers included", async () => {
  const objs = await render({ set: { "migrations.enabled": false } });
  assert.ok(!objs.some((o) => o.kind === "Job"));
  for (const svc of ["intake", "consumer", "hub"]) {
    const pod = find(objs, "Deployment", `ovenline-${svc}`).spec.template.spec;
    assert.deepEqual(pod.initContainers ?? [], [], svc);
  }
  const on = await render({});
  assert.equal(
    find(on, "Deployment", "ovenline-hub").spec.template.spec.initContainers[0].name,
    "migrate",
  );
});

Deno.test("intake's Service claims h2c only while intake speaks cleartext", async () => {
  const port = (objs: K8sObject[]) =>
    find(objs, "Service", "ovenline-intake").spec.ports.find((p: { name: string }) =>
      p.name === "grpc"
    );
  assert.equal(port(await render({})).appProtocol, "kubernetes.io/h2c");
  const tls = await render({
    set: { "intake.tls.enabled": true, "intake.tls.secretName": "intake-tls" },
  });
  for (const obj of tls) validateObject(obj);
  assert.equal(port(tls).appProtocol, undefined);
});

const SERVICES = ["intake", "consumer", "promoter", "hub", "kitchen-operator"] as const;

/** Every environment variable a service's container gets: its ConfigMap's keys and its env. */
function environmentOf(objs: K8sObject[], service: string): string[] {
  const c = find(objs, "Deployment", `ovenline-${service}`).spec.template.spec.containers[0];
  const fromMaps = (c.envFrom ?? []).flatMap((f: { configMapRef: { name: string } }) =>
    Object.keys(find(objs, "ConfigMap", f.configMapRef.name).data)
  );
  return [...fromMaps, ...c.env.map((e: { name: string }) => e.name)].sort();
}

/** The text of a service's configuration reader and the shared readers (src/config) it imports. */
async function configSources(service: string): Promise<string> {
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = async (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const text = await Deno.readTextFile(url);
    texts.push(text);
    for (const m of text.matchAll(/from "(\.{1,2}\/[a-z_./]+\.ts)"/g)) {
      const next = new URL(m[1], url);
      if (next.pathname.includes("/src/config/")) await visit(next);
    }
  };
  await visit(new URL(`../src/services/${service.replace("-", "_")}/config.ts`, import.meta.url));
  return texts.join("\n");
}

/** Read by Deno's built-in OpenTelemetry, not by our code. */
const READ_BY_DENO = /^OTEL_/;

Deno.test("each service gets only the environment it reads, its own ConfigMap, and its name", async (t) => {
  const objs = await render({ set: { "kitchenOperator.enabled": true } });
  for (const service of SERVICES) {
    await t.step(service, async () => {
      const sources = await configSources(service);
      const unread = environmentOf(objs, service).filter((name) =>
        !READ_BY_DENO.test(name) && !sources.includes(`"${name}"`)
      );
      assert.deepEqual(unread, [], `${service} gets variables it never reads`);
      assert.equal(envOf(objs, `ovenline-${service}`, "OTEL_SERVICE_NAME"), `ovenline-${service}`);
    });
  }
  await t.step("the Redis-only promoter and the operator get nothing of Kafka", () => {
    for (const service of ["promoter", "kitchen-operator"]) {
      const env = environmentOf(objs, service);
      assert.deepEqual(env.filter((n) => n.startsWith("KAFKA")), [], service);
      const pod = find(objs, "Deployment", `ovenline-${service}`).spec.template.spec;
      assert.ok(!pod.volumes.some((v: { name: string }) => v.name === "kafka-ca"), service);
    }
    assert.ok(!environmentOf(objs, "promoter").includes("DATABASE_URL"));
  });
  await t.step("docs/observability.md names the services as the chart does", async () => {
    const doc = await Deno.readTextFile(new URL("../docs/observability.md", import.meta.url));
    const row = doc.split("\n").find((l) => l.startsWith("| `OTEL_SERVICE_NAME`"));
    const named = [...(row ?? "").matchAll(/`(ovenline-[a-z-]+)`/g)].map((m) => m[1]);
    assert.deepEqual(named.sort(), SERVICES.map((s) => `ovenline-${s}`).sort());
  });
});

Deno.test("a changed password rolls exactly the pods that read it, an unchanged one never", async (t) => {
  const hashes = async (set: Record<string, string>, valuesFiles: string[] = []) => {
    const objs = await render({ set, valuesFiles });
    return Object.fromEntries(
      ["intake", "consumer", "promoter", "hub"].map((s) => [
        s,
        find(objs, "Deployment", `ovenline-${s}`).spec.template.metadata.annotations[
          "checksum/secrets"
        ],
      ]),
    );
  };
  const key = (c: string) => c.repeat(32);
  const before = await hashes({ "redis.password": "one", "auth.jwtSecret": key("a") });
  await t.step("the same values give the same checksums (generated secrets too)", async () => {
    assert.deepEqual(await hashes({ "redis.password": "one", "auth.jwtSecret": key("a") }), before);
    assert.deepEqual(await hashes({}), await hashes({}));
  });
  await t.step("a new Redis password: every Redis client", async () => {
    const after = await hashes({ "redis.password": "two", "auth.jwtSecret": key("a") });
    for (const s of ["intake", "consumer", "promoter", "hub"]) {
      assert.notEqual(after[s], before[s], s);
    }
  });
  await t.step("a new token key: the hub only", async () => {
    const after = await hashes({ "redis.password": "one", "auth.jwtSecret": key("b") });
    assert.notEqual(after.hub, before.hub);
    for (const s of ["intake", "consumer", "promoter"]) assert.equal(after[s], before[s], s);
  });
  await t.step(
    "external: a new database URL rolls the database's clients, not the promoter",
    async () => {
      const base = { "postgres.external.existingSecret": "" };
      const a = await hashes(
        { ...base, "postgres.external.url": "postgres://a@db:5432/o" },
        EXTERNAL,
      );
      const b = await hashes(
        { ...base, "postgres.external.url": "postgres://b@db:5432/o" },
        EXTERNAL,
      );
      for (const s of ["intake", "consumer", "hub"]) assert.notEqual(a[s], b[s], s);
      assert.equal(a.promoter, b.promoter);
    },
  );
  await t.step(
    "an existing Secret is hashed by what the cluster holds (Helm's lookup)",
    async () => {
      const helpers = await Deno.readTextFile(
        new URL("../charts/ovenline/templates/_helpers.tpl", import.meta.url),
      );
      assert.match(
        helpers,
        /lookup "v1" "Secret" \.root\.Release\.Namespace \.name\)\.data \| toJson/,
      );
    },
  );
});

Deno.test("V8's heap follows the container's memory limit", async (t) => {
  const oldSpace = (objs: K8sObject[], service: string) => {
    const command: string[] = find(objs, "Deployment", `ovenline-${service}`).spec.template.spec
      .containers[0].command;
    const flags = command.find((a) => a.startsWith("--v8-flags="));
    return Number(/--max-old-space-size=([0-9]+)/.exec(flags ?? "")?.[1]);
  };
  await t.step("values-prod.yaml: the 1 Gi hub gets 896 MB, the 768 Mi intake 640", async () => {
    const objs = await render({ valuesFiles: ["deploy/values-prod.yaml"] });
    assert.equal(oldSpace(objs, "hub"), 1024 - 128);
    assert.equal(oldSpace(objs, "intake"), 768 - 128);
  });
  await t.step("three quarters of small limits; every unit", async () => {
    const cases: [string, number][] = [
      ["256Mi", 192],
      ["512Mi", 384],
      ["1.5Gi", 1536 - 128],
      ["2000M", Math.floor(2000e6 / 2 ** 20) - 128],
      ["536870912", 384],
    ];
    for (const [limit, expected] of cases) {
      const objs = await render({ set: { "promoter.resources.limits.memory": limit } });
      assert.equal(oldSpace(objs, "promoter"), expected, limit);
    }
  });
  await t.step("an unknown unit is refused, naming it", async () => {
    const err = await renderError({ set: { "hub.resources.limits.memory": "1GB" } });
    assert.match(err ?? "", /memory quantity 1GB: unit "GB"/);
  });
});

Deno.test("CloudNativePG: WAL archived for point-in-time recovery, no empty class, PostgreSQL scraped", async (t) => {
  await t.step(
    "values-prod.yaml: snapshots plus the plugin archiving WAL; a PodMonitor",
    async () => {
      const objs = await render({ valuesFiles: ["deploy/values-prod.yaml"] });
      const cluster = find(objs, "Cluster");
      validateObject(cluster);
      assert.deepEqual(cluster.spec.backup, { volumeSnapshot: { className: "csi-snapclass" } });
      assert.deepEqual(cluster.spec.plugins, [{
        name: "barman-cloud.cloudnative-pg.io",
        isWALArchiver: true,
        parameters: { barmanObjectName: "ovenline-backups" },
      }]);
      const monitor = find(objs, "PodMonitor", "ovenline-pg-metrics");
      validateObject(monitor);
      assert.deepEqual(monitor.spec.selector.matchLabels, {
        "cnpg.io/cluster": "ovenline-pg",
        "cnpg.io/podRole": "instance",
      });
      assert.equal(monitor.spec.podMetricsEndpoints[0].port, "metrics");
      assert.equal(monitor.metadata.labels.release, "kube-prometheus-stack");
    },
  );
  await t.step(
    "no class named: none rendered (the cluster's default), not an empty one",
    async () => {
      const objs = await render({ set: { "postgres.operator.backup.enabled": true } });
      const cluster = find(objs, "Cluster");
      validateObject(cluster);
      assert.deepEqual(cluster.spec.backup, { volumeSnapshot: {} });
    },
  );
  await t.step("walArchive=false: snapshots only, said so in the value's description", async () => {
    const objs = await render({
      set: {
        "postgres.operator.backup.enabled": true,
        "postgres.operator.backup.walArchive": false,
      },
    });
    assert.equal(find(objs, "Cluster").spec.plugins, undefined);
  });
  await t.step("the plugin method archives WAL whatever walArchive says", async () => {
    const objs = await render({
      set: {
        "postgres.operator.backup.enabled": true,
        "postgres.operator.backup.method": "plugin",
        "postgres.operator.backup.walArchive": false,
      },
    });
    assert.equal(find(objs, "Cluster").spec.plugins[0].isWALArchiver, true);
  });
});

Deno.test("Redis: its StatefulSet is governed by a headless Service; its memory is capped", async () => {
  const objs = await render({});
  const sts = find(objs, "StatefulSet", "ovenline-redis");
  const governing = find(objs, "Service", sts.spec.serviceName);
  validateObject(governing);
  assert.equal(governing.spec.clusterIP, "None");
  assert.deepEqual(governing.spec.selector, sts.spec.selector.matchLabels);
  // Clients keep the ClusterIP Service.
  assert.equal(find(objs, "Service", "ovenline-redis").spec.type, "ClusterIP");
  // 1 Gi by default: 682 MiB, no eviction (test/redis_chart_command_test.ts runs the command).
  assert.match(
    sts.spec.template.spec.containers[0].command[2],
    /--maxmemory 682mb --maxmemory-policy noeviction/,
  );
});

Deno.test("the collector serves its own metrics on every interface, where Prometheus scrapes", async () => {
  const objs = await render({});
  const config = JSON.parse(find(objs, "ConfigMap", "ovenline-otel-collector").data["config.json"]);
  assert.deepEqual(config.service.telemetry.metrics.readers, [
    { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } },
  ]);
  const ports = find(objs, "Deployment", "ovenline-otel-collector").spec.template.spec
    .containers[0].ports;
  assert.ok(ports.some((p: { containerPort: number }) => p.containerPort === 8888));
});

Deno.test("an external database's URL from values: helm uninstall deletes its Secret", async () => {
  const objs = await render({
    valuesFiles: EXTERNAL,
    set: {
      "postgres.external.existingSecret": "",
      "postgres.external.url": "postgres://u:p@db.example:5432/o",
    },
  });
  // The services' Secret is one of the release's objects (a hook's object outlives uninstall).
  const own = find(objs, "Secret", "ovenline-postgres");
  assert.equal(own.metadata.annotations?.["helm.sh/hook"], undefined);
  assert.equal(envOf(objs, "ovenline-intake", "DATABASE_URL").secretKeyRef.name, own.metadata.name);
  // The pre-install migration runs before the release's objects exist: it reads a hook copy,
  // deleted once the hooks succeed.
  const copy = find(objs, "Secret", "ovenline-postgres-migrate");
  assert.equal(copy.stringData.uri, own.stringData.uri);
  assert.equal(copy.metadata.annotations["helm.sh/hook"], "pre-install,pre-upgrade");
  assert.ok(
    copy.metadata.annotations["helm.sh/hook-delete-policy"].split(",").includes("hook-succeeded"),
  );
  const job = find(objs, "Job", "ovenline-migrate");
  assert.ok(
    Number(copy.metadata.annotations["helm.sh/hook-weight"]) <
      Number(job.metadata.annotations["helm.sh/hook-weight"]),
  );
  assert.equal(
    job.spec.template.spec.containers[0].env.find((e: { name: string }) =>
      e.name === "DATABASE_URL"
    )
      .valueFrom.secretKeyRef.name,
    "ovenline-postgres-migrate",
  );
  // With an existing Secret, or the operator's database, neither is rendered.
  for (const other of [await render({ valuesFiles: EXTERNAL }), await render({})]) {
    assert.ok(
      !other.some((o) => o.kind === "Secret" && o.metadata.name.startsWith("ovenline-postgres")),
    );
  }
});

Deno.test("private CAs of external Kafka, Redis and PostgreSQL reach the processes that connect", async (t) => {
  const objs = await render({
    valuesFiles: EXTERNAL,
    set: { "redis.external.caSecret": "redis-ca", "postgres.external.caSecret": "pg-ca" },
  });
  for (const obj of objs) validateObject(obj);
  /** The CA volumes and the CA file variables of a pod's first container. */
  const cas = (
    pod: { volumes: { name: string; secret?: { secretName: string } }[] },
    env: (n: string) => unknown,
  ) => ({
    volumes: pod.volumes.filter((v) => v.name.endsWith("-ca")).map((v) =>
      `${v.name}:${v.secret?.secretName}`
    ).sort(),
    redis: env("REDIS_TLS_CA_FILE"),
    postgres: env("DATABASE_TLS_CA_FILE"),
  });
  await t.step("services: each the CAs of what it uses", () => {
    const of = (svc: string) =>
      cas(
        find(objs, "Deployment", `ovenline-${svc}`).spec.template.spec,
        (n) => envOf(objs, `ovenline-${svc}`, n),
      );
    assert.deepEqual(of("intake"), {
      volumes: ["kafka-ca:ovenline-kafka-ca", "postgres-ca:pg-ca", "redis-ca:redis-ca"],
      redis: "/etc/ovenline/redis-ca/ca.crt",
      postgres: "/etc/ovenline/postgres-ca/ca.crt",
    });
    assert.deepEqual(of("promoter"), {
      volumes: ["redis-ca:redis-ca"],
      redis: "/etc/ovenline/redis-ca/ca.crt",
      postgres: undefined,
    });
    const mounts = find(objs, "Deployment", "ovenline-hub").spec.template.spec.containers[0]
      .volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (
      const dir of ["/etc/ovenline/redis-ca", "/etc/ovenline/postgres-ca", "/etc/ovenline/kafka-ca"]
    ) {
      assert.ok(mounts.includes(dir), dir);
    }
  });
  await t.step("the migration Job and the housekeeper: the database's CA", () => {
    for (
      const pod of [
        find(objs, "Job").spec.template.spec,
        find(objs, "CronJob").spec.jobTemplate.spec.template.spec,
      ]
    ) {
      const c = pod.containers[0];
      const env = (n: string) => c.env.find((e: { name: string }) => e.name === n)?.value;
      assert.equal(env("DATABASE_TLS_CA_FILE"), "/etc/ovenline/postgres-ca/ca.crt");
      assert.ok(pod.volumes.some((v: { name: string }) => v.name === "postgres-ca"));
      assert.ok(
        c.volumeMounts.some((m: { mountPath: string }) =>
          m.mountPath === "/etc/ovenline/postgres-ca"
        ),
      );
    }
  });
  await t.step("without CA Secrets: no volumes, empty variables", async () => {
    const plain = await render({ valuesFiles: EXTERNAL });
    const pod = find(plain, "Deployment", "ovenline-intake").spec.template.spec;
    assert.deepEqual(
      pod.volumes.filter((v: { name: string }) => /redis-ca|postgres-ca/.test(v.name)),
      [],
    );
    assert.equal(envOf(plain, "ovenline-intake", "REDIS_TLS_CA_FILE"), "");
  });
  await t.step("the values say what an empty CA means in Deno", async () => {
    const values = await Deno.readTextFile(
      new URL("../charts/ovenline/values.yaml", import.meta.url),
    );
    assert.doesNotMatch(values, /system trust store/);
    assert.equal(values.match(/only the public CAs Deno bundles/g)?.length, 3);
  });
});

Deno.test("the PodMonitor scrapes what the services serve: /metrics on each one's METRICS_PORT", async (t) => {
  const objs = await render({ valuesFiles: ["deploy/values-prod.yaml"] });
  const monitor = find(objs, "PodMonitor", "ovenline-metrics");
  assert.deepEqual(
    monitor.spec.podMetricsEndpoints.map((e: { port: string; path: string }) => [e.port, e.path]),
    [["metrics", "/metrics"]],
  );
  for (const service of ["intake", "consumer", "promoter", "hub"]) {
    await t.step(service, () => {
      const c = find(objs, "Deployment", `ovenline-${service}`).spec.template.spec.containers[0];
      const port = c.ports.find((p: { name: string }) => p.name === "metrics");
      assert.ok(port, "a container port named metrics");
      // The process serves /metrics where the variable it reads says (src/services/*/config.ts).
      assert.equal(envOf(objs, `ovenline-${service}`, "METRICS_PORT"), String(port.containerPort));
      const np = find(objs, "NetworkPolicy", `ovenline-netpol-${service}`);
      assert.ok(
        np.spec.ingress.some((r: { from: unknown; ports: { port: number }[] }) =>
          JSON.stringify(r.from).includes("monitoring") &&
          r.ports.some((p) => p.port === port.containerPort)
        ),
        "Prometheus may reach it",
      );
    });
  }
  await t.step("the collector's own metrics port is named metrics too", () => {
    const c = find(objs, "Deployment", "ovenline-otel-collector").spec.template.spec.containers[0];
    assert.equal(c.ports.find((p: { name: string }) => p.name === "metrics").containerPort, 8888);
  });
});

Deno.test("each signal goes to a backend that takes it: traces to Tempo, logs to Loki", async (t) => {
  const config = (objs: K8sObject[]) =>
    JSON.parse(find(objs, "ConfigMap", "ovenline-otel-collector").data["config.json"]);
  const env = (objs: K8sObject[], name: string) =>
    find(objs, "Deployment", "ovenline-otel-collector").spec.template.spec.containers[0].env
      .find((e: { name: string }) => e.name === name).value;
  await t.step("values-prod.yaml: traces and logs forwarded, no metrics to Tempo", async () => {
    const objs = await render({ valuesFiles: ["deploy/values-prod.yaml"] });
    const c = config(objs);
    const exportersOf = (signal: string) => c.service.pipelines[signal].exporters;
    assert.deepEqual(exportersOf("traces"), ["otlphttp/traces"]);
    assert.deepEqual(exportersOf("logs"), ["otlphttp/logs"]);
    assert.deepEqual(exportersOf("metrics"), ["debug"]);
    assert.equal(c.exporters["otlphttp/traces"].endpoint, "${env:OTLP_TRACES_ENDPOINT}");
    assert.match(env(objs, "OTLP_TRACES_ENDPOINT"), /tempo/);
    assert.match(env(objs, "OTLP_LOGS_ENDPOINT"), /loki/);
    assert.equal(env(objs, "OTLP_METRICS_ENDPOINT"), "");
    // The collector may reach those backends' ports, and no others.
    assert.deepEqual(externalEgressPorts(objs, "otel-collector"), [[4318, 80]]);
  });
  await t.step("a metrics backend, when named, gets the metrics pipeline", async () => {
    const objs = await render({
      set: { "otel.collector.metricsEndpoint": "http://prometheus.monitoring:9090/api/v1/otlp" },
    });
    assert.deepEqual(config(objs).service.pipelines.metrics.exporters, ["otlphttp/metrics"]);
    assert.deepEqual(config(objs).service.pipelines.traces.exporters, ["debug"]);
    assert.deepEqual(externalEgressPorts(objs, "otel-collector"), [[9090]]);
  });
});
