/**
 * The Kitchen operator against a real kube-apiserver (scripts/k8s/apiserver.sh), a fresh
 * PostgreSQL database and a leased Redis database: the chart's CRD and its schema, reconciling
 * Kitchens into the live configuration, status, the finalizer, and the Lease hand-over between two
 * operator processes that run with exactly the chart's RBAC rules. Also the hub's kubernetes mode
 * (PUT /kitchens/{id} edits the resource) with the hub's Role. Today's load in the status is
 * tested in kitchen_operator_today_test.ts, on any day at any hour.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { KitchenApi } from "../src/adapters/kubernetes/kitchen_api.ts";
import {
  KITCHEN_GROUP,
  KITCHEN_PLURAL,
  KITCHEN_VERSION,
} from "../src/adapters/kubernetes/kitchen_crd.ts";
import {
  conditionOf,
  KITCHEN_FINALIZER,
  kitchenManifest,
  type KitchenResource,
} from "../src/adapters/kubernetes/kitchen_resource.ts";
import { listenForChanges } from "../src/adapters/postgres/change_listener.ts";
import {
  getKitchenRecord,
  KITCHEN_CHANGED_CHANNEL,
  loadKitchens,
} from "../src/adapters/postgres/kitchen_repository.ts";
import { createTestDatabase, type TestDatabase } from "../src/adapters/postgres/test_database.ts";
import { insertTestOrder } from "../src/adapters/postgres/test_orders.ts";
import { ConflictError } from "../src/adapters/http/errors.ts";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { createLogger } from "../src/observability/logger.ts";
import { hubRules, operatorRules } from "../src/services/kitchen_operator/rbac.ts";
import { KitchenController } from "../src/services/kitchen_operator/kitchen_controller.ts";
import {
  getKitchenRecord as getRecord,
  saveKitchen,
} from "../src/adapters/postgres/kitchen_repository.ts";
import { kubernetesKitchenWriter } from "../src/services/hub/kitchen_writer.ts";
import { testKitchen } from "./support/kitchens.ts";
import { httpStatus, startKubeApi } from "./support/kube_api.ts";
import {
  CuttableProxy,
  ensureNamespace,
  installKitchenCrd,
  OperatorProcess,
  serviceAccountKubeconfig,
} from "./support/kube_kitchens.ts";
import { freePort } from "./support/ports.ts";
import { leaseRedisDb, type RedisLease } from "./support/redis_db.ts";
import { waitFor } from "./support/wait.ts";

const NS = "ovenline-kitchens-test";
const LEASE = "ovenline-kitchen-operator";
const LEASE_DURATION_S = 15;
const RETRY_MS = 2_000;
const ref = {
  group: KITCHEN_GROUP,
  version: KITCHEN_VERSION,
  namespace: NS,
  plural: KITCHEN_PLURAL,
};
const MERGE = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const quiet = createLogger({ test: "kitchen-operator" }, "error");

/** Removes every Kitchen of the namespace (finalizers stripped) and the Lease: a clean slate. */
async function clearNamespace(kc: k8s.KubeConfig): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const list = await custom.listNamespacedCustomObject(ref) as { items: KitchenResource[] };
  for (const item of list.items) {
    const name = item.metadata!.name!;
    await custom.patchNamespacedCustomObject(
      { ...ref, name, body: { metadata: { finalizers: null } } },
      MERGE,
    ).catch(() => {});
    await custom.deleteNamespacedCustomObject({ ...ref, name }).catch(() => {});
  }
  await kc.makeApiClient(k8s.CoordinationV1Api).deleteNamespacedLease({
    name: LEASE,
    namespace: NS,
  }).catch(() => {});
}

Deno.test("Kitchen operator against a real API server", async (t) => {
  const api = await startKubeApi();
  const { kc } = api;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const tmp = await Deno.makeTempDir({ prefix: "ovenline-kitchen-operator-" });
  let db: TestDatabase | undefined;
  let redis: RedisLease | undefined;
  const operators: OperatorProcess[] = [];
  const notices: string[] = [];
  let changes: { close(): Promise<void> } | undefined;

  const get = (name: string) =>
    custom.getNamespacedCustomObject({ ...ref, name }) as Promise<KitchenResource>;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    custom.patchNamespacedCustomObject({ ...ref, name, body: { spec } }, MERGE) as Promise<
      KitchenResource
    >;
  /** The Kitchen once its status describes `generation` (or its current one). */
  const observed = (name: string, generation?: number) =>
    waitFor(
      `status of ${name} at generation ${generation ?? "current"}`,
      async () => {
        const r = await get(name);
        const want = generation ?? r.metadata!.generation!;
        return (r.status?.observedGeneration ?? 0) >= want ? r : undefined;
      },
      20_000,
      100,
    );
  const holder = async () =>
    (await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity;
  const operatorEnv = (kubeconfig: string) => ({
    KUBECONFIG: kubeconfig,
    KITCHEN_NAMESPACE: NS,
    LEASE_NAME: LEASE,
    LEASE_DURATION_S: String(LEASE_DURATION_S),
    LEASE_RENEW_MS: "5000",
    LEASE_RETRY_MS: String(RETRY_MS),
    KITCHEN_RESYNC_MS: "1000",
    DATABASE_URL: db!.url,
    REDIS_URL: redis!.url,
    LOG_LEVEL: "info",
  });

  try {
    await installKitchenCrd(kc);
    await ensureNamespace(kc, NS);
    await clearNamespace(kc);
    db = await createTestDatabase();
    redis = await leaseRedisDb();
    changes = listenForChanges(db.url, [KITCHEN_CHANGED_CHANNEL], (_c, payload) => {
      if (payload) notices.push(payload);
    });
    const operatorSa = await serviceAccountKubeconfig(
      kc,
      NS,
      "kitchen-operator",
      operatorRules(LEASE),
      tmp,
    );
    const hubSa = await serviceAccountKubeconfig(kc, NS, "hub", hubRules(), tmp);

    await t.step("the schema rejects structurally invalid Kitchens with 422", async () => {
      const valid = kitchenManifest(testKitchen({ id: "schema-check" }), NS);
      const cases: [string, KitchenResource][] = [
        ["capacity 0", { ...valid, spec: { ...valid.spec, capacity: 0 } }],
        ["unknown unit", { ...valid, spec: { ...valid.spec, capacityUnit: "kilograms" } }],
        ["opening at 25:00", {
          ...valid,
          spec: { ...valid.spec, hours: { mon: [{ open: "25:00", close: "26:00" }] } },
        }],
        ["duplicate station", { ...valid, spec: { ...valid.spec, stations: ["pizza", "pizza"] } }],
        ["slot of 1 minute", { ...valid, spec: { ...valid.spec, slotMinutes: 1 } }],
        ["no time zone", {
          ...valid,
          spec: Object.fromEntries(Object.entries(valid.spec).filter(([k]) => k !== "timeZone")),
        }],
        ["a name that is no kitchen id", {
          ...valid,
          metadata: { name: "main.kitchen", namespace: NS },
        }],
      ];
      for (const [what, body] of cases) {
        await assert.rejects(
          custom.createNamespacedCustomObject({ ...ref, body }),
          (error) => {
            assert.equal(httpStatus(error), 422, `${what}: ${error}`);
            return true;
          },
          what,
        );
      }
      // Defaults come from the schema: a minimal Kitchen gets slot length, lead time, unit, ...
      const { slotMinutes: _s, leadMinutes: _l, capacityUnit: _u, acceptingOrders: _a, ...spec } =
        valid.spec;
      const created = await custom.createNamespacedCustomObject({
        ...ref,
        body: { ...valid, spec },
      }) as KitchenResource;
      assert.equal(created.spec.slotMinutes, 15);
      assert.equal(created.spec.leadMinutes, 30);
      assert.equal(created.spec.capacityUnit, "value");
      assert.equal(created.spec.acceptingOrders, true);
      await custom.deleteNamespacedCustomObject({ ...ref, name: "schema-check" });
    });

    const a = new OperatorProcess("op-a", {
      ...operatorEnv(operatorSa.path),
      KITCHEN_OPERATOR_HEALTH_PORT: String(freePort()),
    });
    const b = new OperatorProcess("op-b", {
      ...operatorEnv(operatorSa.path),
      KITCHEN_OPERATOR_HEALTH_PORT: String(freePort()),
    });
    operators.push(a, b);

    await t.step("two operators start; exactly one holds the Lease", async () => {
      await Promise.all([a.start(), b.start()]);
      const leader = await waitFor("a Lease holder", holder, 10_000, 100);
      assert.ok(leader === "op-a" || leader === "op-b", `holder ${leader}`);
      await new Promise((r) => setTimeout(r, 500));
      const leading = [
        ...(await a.logLines("leading")),
        ...(await b.logLines("leading")),
      ];
      assert.equal(leading.length, 1, "one replica leads");
    });

    const kitchen: KitchenConfig = testKitchen({ id: "north" });
    await t.step(
      "a new Kitchen is applied: PostgreSQL, NOTIFY, status Ready, finalizer",
      async () => {
        const created = await custom.createNamespacedCustomObject({
          ...ref,
          body: kitchenManifest(kitchen, NS),
        }) as KitchenResource;
        const done = await observed("north", created.metadata!.generation);
        assert.equal(done.status?.observedGeneration, 1);
        const ready = conditionOf(done.status, "Ready");
        assert.equal(ready?.status, "True", JSON.stringify(done.status));
        assert.equal(ready?.reason, "Applied");
        assert.equal(conditionOf(done.status, "Invalid")?.status, "False");
        assert.equal(done.status?.appliedVersion, 1);
        assert.deepEqual(done.metadata?.finalizers, [KITCHEN_FINALIZER]);

        const stored = await getKitchenRecord(db!.pool, "north");
        assert.deepEqual(stored?.config, kitchen);
        // What intake and the scheduler load (they reload on the NOTIFY).
        assert.deepEqual((await loadKitchens(db!.pool)).find((k) => k.id === "north"), kitchen);
        await waitFor("the change notice", () => notices.includes("north"), 5_000);
      },
    );

    await t.step("an update is applied as the next version; a no-op writes nothing", async () => {
      const before = notices.length;
      const updated = await patchSpec("north", {
        capacity: 12,
        capacityUnit: "items",
        // A weekday left out is closed: a JSON merge patch removes it with null.
        hours: { sun: null, sat: [{ open: "18:00", close: "02:00" }] },
      });
      const done = await observed("north", updated.metadata!.generation);
      assert.equal(conditionOf(done.status, "Ready")?.status, "True");
      assert.equal(done.status?.observedGeneration, 2);
      assert.equal(done.status?.appliedVersion, 2);
      const stored = (await getKitchenRecord(db!.pool, "north"))!;
      assert.equal(stored.version, 2);
      assert.equal(stored.config.capacity, 12);
      assert.equal(stored.config.capacityUnit, "items");
      assert.equal(stored.config.hours.sun, undefined);
      assert.deepEqual(stored.config.hours.sat, [{ open: "18:00", close: "02:00" }]);
      await waitFor("the change notice", () => notices.length > before, 5_000);
      // Resyncs (every second here) and status writes do not save again.
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal((await getKitchenRecord(db!.pool, "north"))!.version, 2);
    });

    await t.step(
      "an unknown time zone is marked Invalid and PostgreSQL is left alone",
      async () => {
        const updated = await patchSpec("north", { timeZone: "Mars/Olympus_Mons" });
        const done = await observed("north", updated.metadata!.generation);
        const invalid = conditionOf(done.status, "Invalid");
        assert.equal(invalid?.status, "True");
        assert.equal(invalid?.reason, "UnknownTimeZone");
        assert.match(invalid!.message, /spec\.timeZone: must be an IANA time zone/);
        const ready = conditionOf(done.status, "Ready");
        assert.equal(ready?.status, "False");
        assert.equal(ready?.reason, "UnknownTimeZone");
        assert.equal(done.status?.appliedVersion, 2, "still the last applied version");
        const stored = (await getKitchenRecord(db!.pool, "north"))!;
        assert.equal(stored.version, 2);
        assert.equal(stored.config.timeZone, kitchen.timeZone);
      },
    );

    await t.step("overlapping hours are marked Invalid (OverlappingHours)", async () => {
      const updated = await patchSpec("north", {
        timeZone: kitchen.timeZone,
        hours: { mon: [{ open: "10:00", close: "14:00" }, { open: "13:00", close: "18:00" }] },
      });
      const done = await observed("north", updated.metadata!.generation);
      const invalid = conditionOf(done.status, "Invalid");
      assert.equal(invalid?.reason, "OverlappingHours", JSON.stringify(done.status));
      assert.match(invalid!.message, /spec\.hours\.mon\[1\]: overlaps another opening/);
      assert.equal((await getKitchenRecord(db!.pool, "north"))!.version, 2);
    });

    await t.step("fixing the spec makes it Ready again", async () => {
      const updated = await patchSpec("north", {
        hours: { mon: [{ open: "10:00", close: "14:00" }, { open: "15:00", close: "18:00" }] },
      });
      const done = await observed("north", updated.metadata!.generation);
      assert.equal(conditionOf(done.status, "Ready")?.status, "True");
      assert.equal(conditionOf(done.status, "Invalid")?.status, "False");
      assert.equal(done.status?.appliedVersion, 3);
      assert.equal((await getKitchenRecord(db!.pool, "north"))!.version, 3);
    });

    await t.step(
      "the hub (its own Role) edits the Kitchen and the operator applies it",
      async () => {
        const hubApi = new KitchenApi(hubSa.kc, NS);
        const reloaded: string[] = [];
        const save = kubernetesKitchenWriter(
          hubApi,
          () => {
            reloaded.push("x");
            return Promise.resolve();
          },
          { waitMs: 10_000 },
          quiet,
        );
        const current = (await getKitchenRecord(db!.pool, "north"))!.config;
        const next = { ...current, displayName: "North (edited on the dashboard)", capacity: 30 };
        const saved = await save(next);
        assert.equal(saved.applied, true);
        assert.deepEqual(saved.config, next);
        assert.equal(reloaded.length, 1);
        const stored = (await getKitchenRecord(db!.pool, "north"))!;
        assert.deepEqual(stored.config, next);
        const resource = await get("north");
        assert.equal(resource.spec.displayName, next.displayName);
        assert.deepEqual(resource.spec.hours, next.hours, "the whole spec was replaced");
        // A kitchen without a resource: the API cannot write it behind the resources' back.
        await assert.rejects(save({ ...next, id: "main" }), ConflictError);
        // The hub's Role allows get and patch, nothing more.
        await assert.rejects(
          hubSa.kc.makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({
            ...ref,
            name: "north",
          }),
          (error) => httpStatus(error) === 403,
        );
      },
    );

    await t.step("deleting a Kitchen stops its orders, keeps them, then lets it go", async () => {
      const orderId = await insertTestOrder(db!.pool, {
        createdAt: new Date(),
        kitchenId: "north",
      });
      const before = (await getKitchenRecord(db!.pool, "north"))!;
      assert.equal(before.config.acceptingOrders, true);
      await custom.deleteNamespacedCustomObject({ ...ref, name: "north" });
      await waitFor(
        "the Kitchen to go",
        async () => {
          try {
            await get("north");
            return false;
          } catch (error) {
            return httpStatus(error) === 404;
          }
        },
        15_000,
        100,
      );
      const after = (await getKitchenRecord(db!.pool, "north"))!;
      assert.equal(after.config.acceptingOrders, false);
      assert.deepEqual({ ...after.config, acceptingOrders: true }, before.config);
      const { rows } = await db!.pool.query("SELECT id FROM orders WHERE kitchen_id = 'north'");
      assert.deepEqual(rows.map((r) => r.id), [orderId], "existing orders stay");
    });

    await t.step("killing the leader: the other takes over within the lease duration", async () => {
      const leaderName = (await holder())!;
      const [leader, standby] = leaderName === "op-a" ? [a, b] : [b, a];
      assert.deepEqual(await standby.logLines("Kitchen applied"), [], "the standby never applied");
      await leader.kill();
      const killedAt = Date.now();
      // Declared while nobody leads: applied only once the standby has taken over.
      await custom.createNamespacedCustomObject({
        ...ref,
        body: kitchenManifest(testKitchen({ id: "south" }), NS),
      });
      await waitFor(
        "the standby to hold the Lease",
        async () => (await holder()) === standby.identity,
        (LEASE_DURATION_S + 10) * 1000,
        100,
      );
      const tookOverMs = Date.now() - killedAt;
      console.log(`take-over after SIGKILL of the leader: ${tookOverMs} ms`);
      assert.ok(
        tookOverMs <= LEASE_DURATION_S * 1000 + 2 * RETRY_MS + 1_000,
        `took ${tookOverMs} ms`,
      );
      const lease = await leases.readNamespacedLease({ name: LEASE, namespace: NS });
      assert.ok((lease.spec?.leaseTransitions ?? 0) >= 1);
      const done = await observed("south", 1);
      assert.equal(conditionOf(done.status, "Ready")?.status, "True");
      assert.equal((await getKitchenRecord(db!.pool, "south"))?.version, 1);
      // Applied by the new leader after it took the Lease: in its own log (one clock, one order of
      // events; PostgreSQL's updated_at and the Lease's acquireTime come from different clocks).
      const events = (await standby.logLines()).map((l) => `${l.msg} ${l.kitchen ?? ""}`.trim());
      const leading = events.indexOf("leading");
      const applied = events.indexOf("Kitchen applied south");
      assert.ok(leading >= 0 && applied > leading, `the standby's log: ${events.join("; ")}`);
      assert.equal((await standby.logLines("Kitchen applied")).length, 1);
    });

    await t.step("a graceful stop hands the Lease over at once", async () => {
      const leaderName = (await holder())!;
      const leader = leaderName === "op-a" ? a : b;
      const fresh = new OperatorProcess(`${leaderName === "op-a" ? "op-b" : "op-a"}-2`, {
        ...operatorEnv(operatorSa.path),
        KITCHEN_OPERATOR_HEALTH_PORT: String(freePort()),
      });
      operators.push(fresh);
      await fresh.start();
      await leader.stop();
      const stoppedAt = Date.now();
      await waitFor(
        "the new replica to hold the Lease",
        async () => (await holder()) === fresh.identity,
        10_000,
        100,
      );
      const tookOverMs = Date.now() - stoppedAt;
      console.log(`take-over after a graceful stop: ${tookOverMs} ms`);
      assert.ok(tookOverMs <= RETRY_MS + 1_500, `took ${tookOverMs} ms`);
      const updated = await patchSpec("south", { capacity: 77 });
      await observed("south", updated.metadata!.generation);
      assert.equal((await getKitchenRecord(db!.pool, "south"))!.config.capacity, 77);
    });
  } finally {
    for (const op of operators) await op.stop();
    await clearNamespace(kc).catch(() => {});
    await changes?.close();
    await redis?.release();
    await db?.drop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await api.close();
  }
});

Deno.test("the controller's informer recovers after its connection to the API server drops", async () => {
  const api = await startKubeApi();
  const namespace = "ovenline-kitchens-recovery";
  const proxy = new CuttableProxy(Number(new URL(api.server).port));
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({}, "debug", (line) => logs.push(JSON.parse(line)));
  const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
  const nsRef = { ...ref, namespace };
  let db: TestDatabase | undefined;
  let controller: KitchenController | undefined;
  try {
    await installKitchenCrd(api.kc);
    await ensureNamespace(api.kc, namespace);
    db = await createTestDatabase();
    const pool = db.pool;
    proxy.start();
    const kc = proxy.kubeConfig(api.kc);
    controller = new KitchenController({
      kc,
      api: new KitchenApi(kc, namespace),
      store: {
        get: (id) => getRecord(pool, id),
        save: (cfg, opts) => saveKitchen(pool, cfg, opts),
      },
      slotLoads: (ids) => Promise.resolve(ids.map(() => 0)),
      logger,
      now: () => new Date(),
      resyncMs: 60_000, // only the watch, not a resync, may bring the change
      retry: { minBackoffMs: 100, maxBackoffMs: 1_000 },
      rewatchMs: 2_000, // the informer is also replaced every ~2 s throughout
    });
    await controller.start();
    await custom.createNamespacedCustomObject({
      ...nsRef,
      body: kitchenManifest(testKitchen({ id: "before" }), namespace),
    });
    await waitFor("the first Kitchen applied", () => getRecord(pool, "before"), 10_000, 100);

    proxy.cut();
    await custom.createNamespacedCustomObject({
      ...nsRef,
      body: kitchenManifest(testKitchen({ id: "during" }), namespace),
    });
    await waitFor(
      "the informer to notice",
      () => logs.some((l) => l.msg === "watching failed; restarting"),
      10_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await getRecord(pool, "during"), undefined, "nothing reaches it while cut off");
    proxy.start();
    const applied = await waitFor(
      "the Kitchen made during the outage",
      () => getRecord(pool, "during"),
      20_000,
      100,
    );
    assert.equal(applied.version, 1);
    await custom.patchNamespacedCustomObject(
      { ...nsRef, name: "during", body: { spec: { capacity: 5 } } },
      MERGE,
    );
    await waitFor(
      "a change after the recovery",
      async () => (await getRecord(pool, "during"))?.config.capacity === 5,
      10_000,
      100,
    );
  } finally {
    await controller?.stop();
    proxy.cut();
    for (const name of ["before", "during"]) {
      await custom.patchNamespacedCustomObject(
        { ...nsRef, name, body: { metadata: { finalizers: null } } },
        MERGE,
      ).catch(() => {});
      await custom.deleteNamespacedCustomObject({ ...nsRef, name }).catch(() => {});
    }
    await db?.drop();
    await api.close();
  }
});
