// deno-lint-ignore-file no-explicit-any -- rendered manifests are untyped YAML
/**
 * The chart's part of issue 16's platform findings (docs/security.md, "Chart and platform"), each
 * checked on what `helm template` renders: no credentials in k8s/ and every secret from an
 * existing Secret or a value, with renders that do not change from one to the next; the hub's
 * key set with key ids, a signing key and revoked ids; images pinned by digest; narrow Deno
 * permissions per process; a Kafka user per client with only the ACLs it needs; NetworkPolicies
 * that admit the gateway's and the monitoring namespace's pods only.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { readTokenAuthority } from "../src/config/auth.ts";
import { GENERATED_SECRET_PLACEHOLDER } from "../cdk8s/lib/helpers.ts";
import {
  envOf,
  find,
  type K8sObject,
  parseManifests,
  podSpecs,
  render,
  renderError,
  renderText,
  ROOT,
  validateObject,
} from "./support/chart.ts";
import { containerEnv } from "./support/rendered_container.ts";

const KEY_A = "a".repeat(40);
const KEY_B = "b".repeat(40);
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** Every container of every workload (Deployments, StatefulSets, Jobs, CronJobs). */
function containers(objs: K8sObject[]): { owner: string; container: any }[] {
  return podSpecs(objs).flatMap(({ owner, pod }) =>
    [...(pod.initContainers ?? []), ...pod.containers].map((container: any) => ({
      owner: `${owner} ${container.name}`,
      container,
    }))
  );
}

/** Every Secret name the objects read: env, volumes, KEDA's TriggerAuthentication. */
function secretRefs(objs: K8sObject[]): { name: string; optional: boolean }[] {
  const refs: { name: string; optional: boolean }[] = [];
  for (const { pod } of podSpecs(objs)) {
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) refs.push({ name: ref.name, optional: ref.optional === true });
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret) refs.push({ name: v.secret.secretName, optional: v.secret.optional === true });
    }
  }
  for (const ta of objs.filter((o) => o.kind === "TriggerAuthentication")) {
    for (const r of ta.spec.secretTargetRef) refs.push({ name: r.name, optional: false });
  }
  return refs;
}

/** A flag's comma-separated list in a command (undefined without the flag). */
function flagList(command: string[], flag: string): string[] | undefined {
  const arg = command.find((a) => a.startsWith(`--${flag}=`));
  return arg?.slice(flag.length + 3).split(",");
}

// --- 1. secrets ----------------------------------------------------------------------------------

Deno.test("k8s/ ships no credentials, and says which Secrets to create instead", () => {
  const plain: K8sObject[] = [];
  for (const e of Deno.readDirSync(`${ROOT}/k8s`)) {
    if (!e.isFile) continue;
    const text = Deno.readTextFileSync(`${ROOT}/k8s/${e.name}`);
    assert.ok(!text.includes(GENERATED_SECRET_PLACEHOLDER), `${e.name}: a placeholder secret`);
    plain.push(...parseManifests(text));
  }
  for (const secret of plain.filter((o) => o.kind === "Secret")) {
    // KEDA's user name is all a Secret of k8s/ may hold.
    assert.deepEqual(Object.keys(secret.stringData ?? {}), ["username"], secret.metadata.name);
    assert.equal(secret.data, undefined, secret.metadata.name);
  }
  const inK8s = new Set(plain.filter((o) => o.kind === "Secret").map((o) => o.metadata.name));
  // Made by the operators: CloudNativePG's app Secret, Strimzi's users and cluster CA.
  const operators =
    /^ovenline-(pg-app|kafka-(intake|consumer|hub|keda|dlq)|kafka-cluster-ca-cert)$/;
  const deploy = Deno.readTextFileSync(`${ROOT}/docs/deploy.md`);
  const section = deploy.slice(deploy.indexOf("## Plain manifests"));
  assert.ok(section.length < deploy.length, "docs/deploy.md has a Plain manifests section");
  const toCreate = [
    ...new Set(
      secretRefs(plain).filter((r) => !r.optional && !inK8s.has(r.name) && !operators.test(r.name))
        .map((r) => r.name),
    ),
  ];
  // Optional ones too when they hold what a service cannot start without.
  for (const name of ["ovenline-redis", "ovenline-auth"]) {
    assert.ok(secretRefs(plain).some((r) => r.name === name), `k8s/ reads ${name}`);
    if (!toCreate.includes(name)) toCreate.push(name);
  }
  for (const name of toCreate) {
    assert.ok(section.includes(`\`${name}\``), `docs/deploy.md names ${name} among the Secrets`);
  }
});

Deno.test("every secret can come from an existing Secret, and none is then in the chart", async () => {
  const objs = await render({
    values: {
      generateSecrets: false,
      redis: { existingSecret: "my-redis" },
      auth: { existingSecret: "my-hub-keys" },
      intake: {
        orderIds: { existingSecret: "my-order-ids" },
        customers: { existingSecret: "my-customer-keys", issuer: "https://id", audience: "o" },
      },
      postgres: { operator: { enabled: false }, external: { existingSecret: "my-db" } },
      kafka: {
        operator: { enabled: false },
        external: {
          brokers: "kafka.example:9093",
          sasl: {
            username: "shared",
            existingSecret: "my-kafka",
            users: Object.fromEntries(
              ["intake", "consumer", "hub", "keda", "dlq"].map((c) => [c, {
                username: `ovl-${c}`,
                existingSecret: `my-kafka-${c}`,
              }]),
            ),
          },
        },
      },
      networkPolicy: { externalPostgresPorts: [{ port: 5432 }] },
      denoPermissions: { extraHosts: { postgres: ["db.example:5432"] } },
      deadLetterTool: { enabled: true },
    },
  });
  for (const obj of objs) validateObject(obj);
  const secrets = objs.filter((o) => o.kind === "Secret");
  assert.deepEqual(secrets.map((s) => s.metadata.name), ["ovenline-kafka-client"]);
  assert.deepEqual(secrets[0].stringData, { username: "ovl-keda" });
  const named = new Set(secretRefs(objs).map((r) => r.name));
  for (const name of named) {
    assert.match(name, /^(my-|ovenline-kafka-client$|ovenline-kafka-ca$|ovenline-intake-tls$)/);
  }
  for (
    const name of [
      "my-redis",
      "my-hub-keys",
      "my-order-ids",
      "my-customer-keys",
      "my-db",
      "my-kafka-intake",
      "my-kafka-consumer",
      "my-kafka-hub",
      "my-kafka-keda",
      "my-kafka-dlq",
    ]
  ) {
    assert.ok(named.has(name), name);
  }
  assert.ok(!named.has("my-kafka"), "each client reads its own user's Secret");
});

Deno.test("generateSecrets=false: a render never changes from one to the next, and a missing secret is refused by name", async (t) => {
  await t.step(
    "with the defaults, every render makes new secrets (why GitOps needs this)",
    async () => {
      assert.notEqual(await renderText(), await renderText());
    },
  );
  const given = {
    generateSecrets: false,
    redis: { password: "r".repeat(24) },
    auth: { keys: { k1: KEY_A, k2: KEY_B }, signingKeyId: "k2" },
    intake: { orderIds: { secret: "o".repeat(32) } },
  };
  await t.step("secrets from values: two renders are the same, byte for byte", async () => {
    assert.equal(await renderText({ values: given }), await renderText({ values: given }));
  });
  await t.step("secrets from existing Secrets: the same", async () => {
    const values = {
      generateSecrets: false,
      redis: { existingSecret: "my-redis" },
      auth: { existingSecret: "my-hub-keys" },
      intake: { orderIds: { existingSecret: "my-order-ids" } },
    };
    const first = await renderText({ values });
    assert.equal(first, await renderText({ values }));
    assert.ok(!parseManifests(first).some((o) => o.kind === "Secret" && o.stringData?.password));
  });
  await t.step("a secret that neither gives is refused, naming the values to set", async () => {
    const noRedis = await renderError({ values: { ...given, redis: { password: "" } } });
    assert.match(
      noRedis ?? "",
      /generateSecrets is false: .*redis\.existingSecret .*redis\.password/,
    );
    const noOrderIds = await renderError({ values: { ...given, intake: {} } });
    assert.match(
      noOrderIds ?? "",
      /generateSecrets is false: .*intake\.orderIds\.existingSecret .*intake\.orderIds\.secret/,
    );
    const noKeys = await renderError({ values: { ...given, auth: { keys: {} } } });
    assert.match(noKeys ?? "", /generateSecrets is false: .*auth\.existingSecret.*auth\.keys/);
  });
});

// --- 2. the hub's key set ------------------------------------------------------------------------

/** The hub's token rules as the hub reads them from the environment its pod gets. */
function hubAuthority(objs: K8sObject[], extra: K8sObject[] = []) {
  const hub = find(objs, "Deployment", "ovenline-hub").spec.template.spec.containers[0];
  // The token settings only (the others need the operators' Secrets).
  const auth = { ...hub, env: hub.env.filter((e: { name: string }) => e.name.startsWith("AUTH_")) };
  const env = containerEnv([...objs, ...extra], auth, { name: "hub-0", namespace: "default" });
  return readTokenAuthority(env);
}

Deno.test("the hub gets a key set with key ids, a signing key and revoked ids, from values or an existing Secret", async (t) => {
  await t.step(
    "auth.keys: the chart's Secret holds the set, the hub signs with signingKeyId",
    async () => {
      const objs = await render({
        values: {
          auth: {
            keys: { "2026-01": KEY_A, "2026-02": KEY_B },
            signingKeyId: "2026-02",
            revokedKeyIds: ["2025-12"],
            issuer: "pizza-chain",
            audience: "kitchen",
            tokenMaxLifetimeSeconds: 28800,
          },
        },
      });
      const secret = find(objs, "Secret", "ovenline-auth");
      assert.deepEqual(JSON.parse(secret.stringData["jwt-keys"]), {
        "2026-01": KEY_A,
        "2026-02": KEY_B,
      });
      assert.equal(secret.stringData["jwt-secret"], undefined);
      const authority = hubAuthority(objs);
      assert.deepEqual([...authority.keys.keys()], ["2026-01", "2026-02"]);
      assert.equal(authority.signingKeyId, "2026-02");
      assert.deepEqual([...authority.revokedKeyIds], ["2025-12"]);
      assert.equal(authority.issuer, "pizza-chain");
      assert.equal(authority.audience, "kitchen");
      assert.equal(authority.maxLifetimeS, 28800);
    },
  );
  await t.step("one key (as before): jwt-secret with the key id keyId", async () => {
    const objs = await render({ values: { auth: { jwtSecret: KEY_A, keyId: "main" } } });
    const authority = hubAuthority(objs);
    assert.deepEqual([...authority.keys.entries()], [["main", KEY_A]]);
    assert.equal(authority.signingKeyId, "main");
  });
  await t.step("an existing Secret's key set and ids win over values", async () => {
    const objs = await render({
      values: { auth: { existingSecret: "hub-keys", signingKeyId: "old", revokedKeyIds: [] } },
    });
    assert.ok(!objs.some((o) => o.kind === "Secret" && o.metadata.name === "ovenline-auth"));
    const existing: K8sObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "hub-keys" },
      stringData: {
        "jwt-keys": JSON.stringify({ old: KEY_A, new: KEY_B }),
        "signing-key-id": "new",
        "revoked-key-ids": "older",
      },
    };
    const authority = hubAuthority(objs, [existing]);
    assert.deepEqual([...authority.keys.keys()], ["old", "new"]);
    assert.equal(authority.signingKeyId, "new");
    assert.deepEqual([...authority.revokedKeyIds], ["older"]);
    // Without those entries, the values apply.
    const bare = { ...existing, stringData: { "jwt-keys": existing.stringData["jwt-keys"] } };
    assert.equal(hubAuthority(objs, [bare]).signingKeyId, "old");
  });
  await t.step("what the hub would refuse, the chart refuses first", async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ keys: { k1: KEY_A }, jwtSecret: KEY_B }, /auth.keys and auth.jwtSecret/],
      [{ keys: { k1: KEY_A, k2: KEY_B } }, /several keys.*auth.signingKeyId/],
      [{ keys: { k1: KEY_A }, signingKeyId: "k9" }, /signingKeyId names no key/],
      [{ keys: { k1: KEY_A, k2: KEY_B }, signingKeyId: "k2", revokedKeyIds: ["k2"] }, /revoked/],
      [{ keys: { k1: "short" } }, /auth.keys|schema/],
      [{ keys: { "bad id!": KEY_A } }, /schema|auth/],
    ];
    for (const [auth, message] of refusals) {
      assert.match((await renderError({ values: { auth } })) ?? "", message, JSON.stringify(auth));
    }
  });
});

// --- 3. image digests ----------------------------------------------------------------------------

Deno.test("every image can be pinned by digest", async () => {
  const digested = { digest: DIGEST };
  const objs = await render({
    values: {
      image: { repository: "registry.example/ovenline", ...digested },
      redis: { image: digested },
      otel: { collector: { image: digested } },
      loadTest: { enabled: true, runnerImage: digested, starterImage: digested },
      intake: { customers: { allowAnonymous: true } }, // the load test's made-up customers
    },
  });
  const images = [
    ...containers(objs).map((c) => c.container.image),
    ...objs.filter((o) => o.kind === "TestRun").flatMap((o) => [
      o.spec.runner.image,
      o.spec.starter.image,
    ]),
  ];
  assert.ok(images.length > 8);
  for (const image of images) {
    assert.match(image, new RegExp(`^[^:@]+(:[0-9]+/[^:@]+)?@${DIGEST}$`));
  }
  assert.ok(images.includes(`registry.example/ovenline@${DIGEST}`));
  assert.ok(images.includes(`docker.io/library/redis@${DIGEST}`));
  for (const digest of ["sha256:abc", "md5:0123", `${DIGEST}0`]) {
    assert.match((await renderError({ set: { "image.digest": digest } })) ?? "", /schema|digest/);
  }
});

// --- 4. Deno permissions -------------------------------------------------------------------------

Deno.test("every Ovenline process names its hosts, files and variables; none runs with broad permissions", async (t) => {
  const variants: [string, Parameters<typeof render>[0]][] = [
    ["defaults", {}],
    ["prod", { valuesFiles: ["deploy/values-prod.yaml"] }],
    ["external", { valuesFiles: ["deploy/values-external.yaml"] }],
    ["dev", { valuesFiles: ["deploy/values-dev.yaml"] }],
    ["dead-letter tool", { set: { "deadLetterTool.enabled": true } }],
  ];
  for (const [name, opts] of variants) {
    await t.step(
      `${name}: --allow-env is exactly what the chart sets; lists everywhere`,
      async () => {
        const objs = await render(opts);
        const deno = containers(objs).filter((c) => c.container.command?.[0] === "deno");
        assert.ok(deno.length >= 5, name);
        for (const { owner, container } of deno) {
          const command: string[] = container.command;
          for (
            const broad of ["-A", "--allow-all", "--allow-run", "--allow-ffi", "--allow-import"]
          ) {
            assert.ok(!command.some((a) => a.split("=")[0] === broad), `${owner}: ${broad}`);
          }
          for (
            const flag of [
              "--allow-net",
              "--allow-read",
              "--allow-env",
              "--allow-sys",
              "--allow-write",
            ]
          ) {
            assert.ok(!command.includes(flag), `${owner}: ${flag} without a list`);
          }
          assert.ok(command.includes("--ignore-env"), `${owner}: other variables read as unset`);
          assert.ok(flagList(command, "allow-net")?.length, `${owner}: --allow-net list`);
          const set = new Set<string>((container.env ?? []).map((e: { name: string }) => e.name));
          for (const from of container.envFrom ?? []) {
            const cm = find(objs, "ConfigMap", from.configMapRef.name);
            for (const key of Object.keys(cm.data)) set.add(key);
          }
          const allowed = new Set(flagList(command, "allow-env"));
          // The image's own variable, and the API server's address (the kubelet sets both).
          for (
            const image of [
              "KAFKAJS_NO_PARTITIONER_WARNING",
              "KUBERNETES_SERVICE_HOST",
              "KUBERNETES_SERVICE_PORT",
            ]
          ) {
            allowed.delete(image);
          }
          assert.deepEqual([...allowed].sort(), [...set].sort(), `${owner}: --allow-env`);
        }
      },
    );
  }
  await t.step(
    "defaults: each reaches only its own endpoints and serves its own ports",
    async () => {
      const objs = await render({ set: { "kitchenOperator.enabled": true } });
      const net = (kind: string, name: string) => {
        const o = find(objs, kind, name);
        const pod = kind === "CronJob"
          ? o.spec.jobTemplate.spec.template.spec
          : o.spec.template.spec;
        return flagList(pod.containers[0].command, "allow-net")!;
      };
      const kafka = [
        "ovenline-kafka-kafka-bootstrap:9093",
        "*.ovenline-kafka-kafka-brokers.default.svc:9093",
      ];
      const pg = "ovenline-pg-rw.default:5432";
      const kube = "$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)";
      assert.deepEqual(net("Deployment", "ovenline-intake"), [
        "0.0.0.0:50051",
        "0.0.0.0:9464",
        ...kafka,
        pg,
        "ovenline-redis:6379",
      ]);
      assert.deepEqual(net("Deployment", "ovenline-promoter"), [
        "0.0.0.0:8082",
        "0.0.0.0:9464",
        "ovenline-redis:6379",
      ]);
      assert.deepEqual(net("Deployment", "ovenline-hub"), [
        "0.0.0.0:8080",
        "0.0.0.0:9464",
        ...kafka,
        pg,
        "ovenline-redis:6379",
        kube,
      ]);
      assert.deepEqual(net("Deployment", "ovenline-kitchen-operator"), [
        "0.0.0.0:8083",
        pg,
        "ovenline-redis:6379",
        kube,
      ]);
      assert.deepEqual(net("Job", "ovenline-migrate"), [pg]);
      assert.deepEqual(net("CronJob", "ovenline-housekeeper"), [pg]);
      const operator = find(objs, "Deployment", "ovenline-kitchen-operator").spec.template.spec;
      assert.ok(
        flagList(operator.containers[0].command, "allow-read")!.includes(
          "/var/run/secrets/kubernetes.io/serviceaccount",
        ),
      );
      const intake = find(objs, "Deployment", "ovenline-intake").spec.template.spec.containers[0];
      assert.deepEqual(flagList(intake.command, "allow-sys"), ["uid"]);
      const hub = find(await render({}), "Deployment", "ovenline-hub").spec.template.spec;
      assert.ok(
        !hub.containers[0].command.join(" ").includes("KUBERNETES"),
        "no API server without the operator",
      );
    },
  );
  await t.step(
    "intake reaches the identity provider's key set URL when it fetches it",
    async () => {
      const objs = await render({
        values: {
          intake: {
            customers: {
              jwksUrl: "https://id.example.com/jwks",
              issuer: "https://id",
              audience: "o",
            },
          },
        },
      });
      const intake = find(objs, "Deployment", "ovenline-intake").spec.template.spec.containers[0];
      assert.ok(flagList(intake.command, "allow-net")!.includes("id.example.com:443"));
      const hub = find(objs, "Deployment", "ovenline-hub").spec.template.spec.containers[0];
      assert.ok(!flagList(hub.command, "allow-net")!.includes("id.example.com:443"));
    },
  );
  await t.step(
    "external endpoints: their hosts; a database URL in a Secret needs extraHosts",
    async () => {
      const objs = await render({ valuesFiles: ["deploy/values-external.yaml"] });
      const consumer =
        find(objs, "Deployment", "ovenline-consumer").spec.template.spec.containers[0];
      assert.deepEqual(flagList(consumer.command, "allow-net"), [
        "0.0.0.0:8081",
        "0.0.0.0:9464",
        "kafka-0.kafka.example.internal:9093",
        "kafka-1.kafka.example.internal:9093",
        "kafka-2.kafka.example.internal:9093",
        "pg.example.internal:5432",
        "redis.example.internal:6380",
      ]);
      const err = await renderError({
        valuesFiles: ["deploy/values-external.yaml"],
        values: { denoPermissions: { extraHosts: { postgres: [] } } },
      });
      assert.match(err ?? "", /denoPermissions.extraHosts.postgres/);
    },
  );
  await t.step(
    "no Ovenline container leaves its permissions to the image's entry point",
    async () => {
      const objs = await render({
        set: { "kitchenOperator.enabled": true, "deadLetterTool.enabled": true },
      });
      for (const { owner, container } of containers(objs)) {
        if (!/^ovenline:/.test(container.image)) continue;
        assert.ok(container.command?.length, `${owner}: a command of its own`);
        if (container.command[0] === "deno") {
          assert.ok(container.command.includes("--ignore-env"), `${owner}: narrow permissions`);
        }
      }
    },
  );
});

// --- 5. Kafka users ------------------------------------------------------------------------------

/** A KafkaUser's ACLs as "type:name operations" lines. */
function acls(user: K8sObject): string[] {
  return user.spec.authorization.acls.map((a: any) => {
    const r = a.resource;
    const name = r.type === "cluster"
      ? "cluster"
      : `${r.type}:${r.name}${r.patternType === "prefix" ? "*" : ""}`;
    return `${name} ${[...a.operations].sort().join(",")}`;
  }).sort();
}

Deno.test("each Kafka client is a user of its own with only the ACLs it needs, and reads only its own Secret", async (t) => {
  const objs = await render({ set: { "deadLetterTool.enabled": true } });
  const user = (client: string) => find(objs, "KafkaUser", `ovenline-kafka-${client}`);
  await t.step("the ACLs", () => {
    assert.deepEqual(acls(user("intake")), [
      "cluster IdempotentWrite",
      "group:order-service-stable-group Describe",
      "topic:pizza-orders Describe,Write",
    ]);
    assert.deepEqual(acls(user("consumer")), [
      "cluster IdempotentWrite",
      "group:order-service-stable-group Describe,Read",
      "topic:pizza-orders Describe,Read",
      "topic:pizza-orders.dlq Describe,Write",
    ]);
    assert.deepEqual(acls(user("hub")), [
      "cluster IdempotentWrite",
      "topic:pizza-orders Describe,Write",
    ]);
    assert.deepEqual(acls(user("keda")), [
      "group:order-service-stable-group Describe",
      "topic:pizza-orders Describe",
    ]);
    assert.deepEqual(acls(user("dlq")), [
      "cluster IdempotentWrite",
      "group:ovenline-dlq-reader-* Describe,Read",
      "topic:pizza-orders Describe,Write",
      "topic:pizza-orders.dlq Describe,Read",
    ]);
  });
  await t.step(
    "only the consumer reads pizza-orders; only intake, hub (and replays) write it",
    () => {
      const users = objs.filter((o) => o.kind === "KafkaUser");
      const may = (op: string) =>
        users.filter((u) =>
          acls(u).some((a) => a.startsWith("topic:pizza-orders ") && a.includes(op))
        )
          .map((u) => u.metadata.name).sort();
      assert.deepEqual(may("Read"), ["ovenline-kafka-consumer"]);
      assert.deepEqual(may("Write"), [
        "ovenline-kafka-dlq",
        "ovenline-kafka-hub",
        "ovenline-kafka-intake",
      ]);
    },
  );
  await t.step("each service, KEDA and the dead-letter Job connect as their own user", () => {
    for (const svc of ["intake", "consumer", "hub"]) {
      assert.equal(envOf(objs, `ovenline-${svc}`, "KAFKA_SASL_USERNAME"), `ovenline-kafka-${svc}`);
      assert.equal(
        envOf(objs, `ovenline-${svc}`, "KAFKA_SASL_PASSWORD").secretKeyRef.name,
        `ovenline-kafka-${svc}`,
      );
      const pod = find(objs, "Deployment", `ovenline-${svc}`).spec.template.spec;
      const read = secretRefs([{ ...find(objs, "Deployment", `ovenline-${svc}`) }])
        .map((r) => r.name).filter((n) =>
          n.startsWith("ovenline-kafka-") && n !== "ovenline-kafka-cluster-ca-cert"
        );
      assert.deepEqual(read, [`ovenline-kafka-${svc}`], `${svc} reads no other user's Secret`);
      assert.ok(pod);
    }
    const auth = find(objs, "TriggerAuthentication");
    const password = auth.spec.secretTargetRef.find((r: any) => r.parameter === "password");
    assert.equal(password.name, "ovenline-kafka-keda");
    assert.equal(
      find(objs, "Secret", "ovenline-kafka-client").stringData.username,
      "ovenline-kafka-keda",
    );
    const job = find(objs, "Job", "ovenline-dlq").spec.template.spec.containers[0];
    const password2 = job.env.find((e: any) => e.name === "KAFKA_SASL_PASSWORD");
    assert.equal(password2.valueFrom.secretKeyRef.name, "ovenline-kafka-dlq");
    assert.equal(
      find(objs, "ConfigMap", "ovenline-dlq-config").data.KAFKA_SASL_USERNAME,
      "ovenline-kafka-dlq",
    );
  });
  await t.step("the dead-letter tool's user exists only while its Job is enabled", async () => {
    const off = await render({});
    assert.ok(!off.some((o) => o.kind === "KafkaUser" && o.metadata.name === "ovenline-kafka-dlq"));
    assert.ok(!off.some((o) => o.kind === "Job" && o.metadata.name === "ovenline-dlq"));
  });
  await t.step("external Kafka: a client listed in users connects as that user", async () => {
    const ext = await render({
      valuesFiles: ["deploy/values-external.yaml"],
      values: {
        kafka: {
          external: {
            sasl: { users: { consumer: { username: "orders-reader", existingSecret: "reader" } } },
          },
        },
      },
    });
    assert.equal(envOf(ext, "ovenline-consumer", "KAFKA_SASL_USERNAME"), "orders-reader");
    assert.deepEqual(envOf(ext, "ovenline-consumer", "KAFKA_SASL_PASSWORD").secretKeyRef, {
      name: "reader",
      key: "password",
      optional: true,
    });
    assert.equal(envOf(ext, "ovenline-intake", "KAFKA_SASL_USERNAME"), "ovenline");
    assert.equal(
      envOf(ext, "ovenline-intake", "KAFKA_SASL_PASSWORD").secretKeyRef.name,
      "ovenline-kafka-sasl",
    );
  });
});

// --- 6. NetworkPolicies ---------------------------------------------------------------------------

Deno.test("NetworkPolicies admit intake and the hub from the gateway namespace, metrics from the monitoring one, nothing from any namespace", async (t) => {
  const fromNs = (
    ns: string,
  ) => [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }];
  const ingress = (objs: K8sObject[], component: string) =>
    find(objs, "NetworkPolicy", `ovenline-netpol-${component}`).spec.ingress ?? [];
  await t.step("defaults: gateway-system and monitoring", async () => {
    const objs = await render({ set: { "kitchenOperator.enabled": true } });
    assert.deepEqual(ingress(objs, "intake"), [
      { from: fromNs("gateway-system"), ports: [{ protocol: "TCP", port: 50051 }] },
      { from: fromNs("monitoring"), ports: [{ protocol: "TCP", port: 9464 }] },
    ]);
    assert.deepEqual(ingress(objs, "hub"), [
      { from: fromNs("gateway-system"), ports: [{ protocol: "TCP", port: 8080 }] },
      { from: fromNs("monitoring"), ports: [{ protocol: "TCP", port: 9464 }] },
    ]);
    for (const np of objs.filter((o) => o.kind === "NetworkPolicy")) {
      for (const rule of np.spec.ingress ?? []) {
        assert.ok(rule.from?.length, `${np.metadata.name}: a rule without peers admits everyone`);
        for (const peer of rule.from) {
          const selector = peer.namespaceSelector;
          assert.ok(
            !selector || Object.keys(selector).length > 0,
            `${np.metadata.name}: from any namespace`,
          );
        }
      }
    }
  });
  await t.step("other namespaces, extra peers, or none at all", async () => {
    const objs = await render({
      values: {
        networkPolicy: {
          gatewayNamespace: "envoy-gateway-system",
          monitoringNamespace: "",
          prometheusFrom: [{ podSelector: { matchLabels: { app: "prometheus" } } }],
        },
      },
    });
    for (const obj of objs) validateObject(obj);
    assert.deepEqual(ingress(objs, "intake"), [
      { from: fromNs("envoy-gateway-system"), ports: [{ protocol: "TCP", port: 50051 }] },
      {
        from: [{ podSelector: { matchLabels: { app: "prometheus" } } }],
        ports: [{ protocol: "TCP", port: 9464 }],
      },
    ]);
    const closed = await render({
      values: { networkPolicy: { gatewayNamespace: "", monitoringNamespace: "" } },
    });
    assert.deepEqual(ingress(closed, "intake"), [], "no rule: nothing comes in");
    assert.deepEqual(ingress(closed, "consumer"), []);
  });
  await t.step("deploy/values-prod.yaml names its namespaces", () => {
    const prod = parseYaml(Deno.readTextFileSync(`${ROOT}/deploy/values-prod.yaml`)) as any;
    assert.equal(prod.networkPolicy.gatewayNamespace, "gateway-system");
    assert.equal(prod.networkPolicy.monitoringNamespace, "monitoring");
  });
});
