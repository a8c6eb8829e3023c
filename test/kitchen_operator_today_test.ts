/**
 * The Kitchen operator's "today" in the Kitchen's status, on whatever day and at whatever hour the
 * test runs: a real operator process (the chart's RBAC), a real kube-apiserver, PostgreSQL and
 * Redis. The Kitchen's week has a closed day, a split day, a day open around the clock and
 * openings past midnight, so each weekday and each hour takes another path; what the status must
 * say is worked out from the instant the operator stamped on it (`today.asOf`), never from a guess
 * about the date. scripts/clock_sweep.ts runs this at every weekday, around midnight, at a month's
 * and a year's end and on DST change days.
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
import { createTestDatabase, type TestDatabase } from "../src/adapters/postgres/test_database.ts";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { weekdayOf } from "../src/domain/opening_hours.ts";
import { businessDateOf, slotsOfDay } from "../src/domain/slot_plan.ts";
import { operatorRules } from "../src/services/kitchen_operator/rbac.ts";
import { testKitchen } from "./support/kitchens.ts";
import { startKubeApi } from "./support/kube_api.ts";
import {
  ensureNamespace,
  installKitchenCrd,
  OperatorProcess,
  serviceAccountKubeconfig,
} from "./support/kube_kitchens.ts";
import { freePort } from "./support/ports.ts";
import { leaseRedisDb, type RedisLease } from "./support/redis_db.ts";
import { waitFor } from "./support/wait.ts";

const NS = "ovenline-kitchens-today";
const LEASE = "ovenline-kitchen-operator";
const MERGE = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/** Each weekday different: closed, split, around the clock, and past midnight. */
const WEEK: KitchenConfig["hours"] = {
  tue: [{ open: "10:00", close: "14:00" }, { open: "15:00", close: "18:00" }],
  wed: [{ open: "00:00", close: "24:00" }],
  thu: [{ open: "18:00", close: "02:00" }],
  fri: [{ open: "06:00", close: "23:00" }],
  sat: [{ open: "11:00", close: "03:00" }],
  sun: [{ open: "03:00", close: "22:00" }],
};

Deno.test("the Kitchen operator reports today's booked load from the Redis slot loads, any day at any hour", async () => {
  const api = await startKubeApi();
  const namespace = NS;
  const tmp = await Deno.makeTempDir({ prefix: "ovenline-kitchen-today-" });
  const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
  const ref = {
    group: KITCHEN_GROUP,
    version: KITCHEN_VERSION,
    namespace,
    plural: KITCHEN_PLURAL,
  };
  /** The Kitchen and the Lease gone (a test API server has no namespace controller to delete them). */
  const clear = async () => {
    await custom.patchNamespacedCustomObject(
      { ...ref, name: "today", body: { metadata: { finalizers: null } } },
      MERGE,
    ).catch(() => {});
    await custom.deleteNamespacedCustomObject({ ...ref, name: "today" }).catch(() => {});
    await api.kc.makeApiClient(k8s.CoordinationV1Api).deleteNamespacedLease({
      name: LEASE,
      namespace,
    }).catch(() => {});
  };
  let db: TestDatabase | undefined;
  let redis: RedisLease | undefined;
  let operator: OperatorProcess | undefined;
  try {
    await installKitchenCrd(api.kc);
    await ensureNamespace(api.kc, namespace);
    await clear();
    db = await createTestDatabase();
    redis = await leaseRedisDb();
    const sa = await serviceAccountKubeconfig(
      api.kc,
      namespace,
      "kitchen-operator",
      operatorRules(LEASE),
      tmp,
    );
    operator = new OperatorProcess("today", {
      KUBECONFIG: sa.path,
      KITCHEN_NAMESPACE: namespace,
      LEASE_NAME: LEASE,
      KITCHEN_RESYNC_MS: "500",
      KITCHEN_OPERATOR_HEALTH_PORT: String(freePort()),
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: "info",
    });
    await operator.start();

    // Loads on the first two slots of every business day the operator may call "today" from now
    // on (the date can turn while the test runs, e.g. at 23:59). They are set before the Kitchen
    // exists, so every reading the operator takes sees them.
    const kitchen = testKitchen({ id: "today", capacity: 12, capacityUnit: "items", hours: WEEK });
    const from = Date.now();
    const loaded = new Set<string>();
    for (let minutes = 0; minutes <= 10; minutes++) {
      const date = businessDateOf(kitchen, new Date(from + minutes * 60_000));
      if (loaded.has(date.toString())) continue;
      loaded.add(date.toString());
      const slots = slotsOfDay(kitchen, date);
      if (slots[0]) await redis.client.set(slots[0].id, "5");
      if (slots[1]) await redis.client.set(slots[1].id, "7");
    }
    await custom.createNamespacedCustomObject({
      ...ref,
      body: kitchenManifest(kitchen, namespace),
    });

    const resource = await waitFor(
      "the Kitchen's status with today's load",
      async () => {
        const r = await custom.getNamespacedCustomObject({
          ...ref,
          name: "today",
        }) as KitchenResource;
        const invalid = conditionOf(r.status, "Invalid")?.status === "True";
        return r.status?.today || invalid ? r : undefined;
      },
      20_000,
      100,
    );
    assert.equal(
      conditionOf(resource.status, "Ready")?.status,
      "True",
      JSON.stringify(resource.status),
    );
    const today = resource.status!.today!;
    const asOf = new Date(today.asOf);
    assert.ok(asOf.getTime() >= from, `read at ${today.asOf}, after the loads were set`);
    // What "today" is at the instant the operator read its clock.
    const date = businessDateOf(kitchen, asOf);
    const slots = slotsOfDay(kitchen, date);
    const booked = (slots[0] ? 5 : 0) + (slots[1] ? 7 : 0);
    const capacity = kitchen.capacity * slots.length;
    assert.ok(loaded.has(date.toString()), `the loads were set for ${date}`);
    assert.deepEqual(today, {
      date: date.toString(),
      unit: "items",
      booked,
      capacity,
      slots: slots.length,
      fillRatio: capacity > 0 ? Math.round((booked / capacity) * 10_000) / 10_000 : 0,
      fill: `${capacity > 0 ? Math.round((booked / capacity) * 100) : 0}%`,
      asOf: today.asOf,
    });
    console.log(
      `today at ${asOf.toISOString()} in ${kitchen.timeZone}: ${date} (${weekdayOf(date)}), ` +
        `${slots.length} slots, ${booked} of ${capacity} booked`,
    );
  } finally {
    await operator?.stop();
    await clear();
    await redis?.release();
    await db?.drop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await api.close();
  }
});
