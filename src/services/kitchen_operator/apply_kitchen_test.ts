import assert from "node:assert/strict";
import { kitchenManifest } from "../../adapters/kubernetes/kitchen_resource.ts";
import type { KitchenRecord } from "../../adapters/postgres/kitchen_repository.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { DEFAULT_KITCHEN } from "../../domain/kitchen_config.ts";
import { applyKitchen, type KitchenStore, stopAcceptingOrders } from "./apply_kitchen.ts";
import { applyKitchenDocuments, parseKitchenFile } from "./kitchen_files.ts";

/** A store in memory, recording each save with the version it expected. */
function memoryStore(initial: KitchenConfig[] = []) {
  const rows = new Map<string, KitchenRecord>(
    initial.map((c) => [c.id, { config: c, version: 1, updatedAt: "2026-01-01T00:00:00Z" }]),
  );
  const saves: { id: string; expectedVersion?: number }[] = [];
  const store: KitchenStore = {
    get: (id) => Promise.resolve(rows.get(id)),
    save: (config, opts) => {
      saves.push({ id: config.id, expectedVersion: opts.expectedVersion });
      const version = (rows.get(config.id)?.version ?? 0) + 1;
      const record = { config, version, updatedAt: new Date().toISOString() };
      rows.set(config.id, record);
      return Promise.resolve(record);
    },
  };
  return { store, rows, saves };
}

Deno.test("applyKitchen() saves a new or changed Kitchen and leaves an unchanged one alone", async () => {
  const { store, saves } = memoryStore([DEFAULT_KITCHEN]);
  // Same configuration, keys in another order (as the API server and jsonb return them).
  const reordered = kitchenManifest(DEFAULT_KITCHEN);
  reordered.spec = Object.fromEntries(Object.entries(reordered.spec).reverse());
  assert.equal((await applyKitchen(reordered, store)).kind, "unchanged");
  assert.deepEqual(saves, []);

  const changed = await applyKitchen(kitchenManifest({ ...DEFAULT_KITCHEN, capacity: 5 }), store);
  assert.equal(changed.kind, "applied");
  assert.deepEqual(saves, [{ id: "main", expectedVersion: 1 }]);

  const created = await applyKitchen(kitchenManifest({ ...DEFAULT_KITCHEN, id: "north" }), store);
  assert.equal(created.kind, "applied");
  assert.deepEqual(saves[1], { id: "north", expectedVersion: 0 });
});

Deno.test("applyKitchen() writes nothing for an invalid Kitchen", async () => {
  const { store, saves } = memoryStore();
  const bad = kitchenManifest({
    ...DEFAULT_KITCHEN,
    hours: { mon: [{ open: "10:00", close: "14:00" }, { open: "12:00", close: "16:00" }] },
  });
  const outcome = await applyKitchen(bad, store);
  assert.equal(outcome.kind, "invalid");
  assert.deepEqual(saves, []);
});

Deno.test("stopAcceptingOrders() turns acceptingOrders off once and touches nothing else", async () => {
  const { store, rows, saves } = memoryStore([DEFAULT_KITCHEN]);
  assert.equal(await stopAcceptingOrders("main", store), true);
  assert.deepEqual(rows.get("main")!.config, { ...DEFAULT_KITCHEN, acceptingOrders: false });
  assert.equal(await stopAcceptingOrders("main", store), false, "already stopped");
  assert.equal(await stopAcceptingOrders("nowhere", store), false);
  assert.equal(saves.length, 1);
});

const FILE = `
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
---
apiVersion: ovenline.dev/v1alpha1
kind: Kitchen
metadata: { name: east }
spec:
  displayName: East
  timeZone: Asia/Yekaterinburg
  hours: { mon: [{ open: "10:00", close: "22:00" }] }
  capacity: 40
  capacityUnit: items
  stations: [pizza]
---
apiVersion: ovenline.dev/v1alpha1
kind: Kitchen
metadata: { name: west }
spec:
  displayName: West
  timeZone: Europe/Kaliningrad
  hours: { mon: [{ open: "10:00", close: "22:00" }] }
  capacity: 40
  stations: [pizza]
  ovens: 3
---
apiVersion: ovenline.dev/v1alpha1
kind: Kitchen
metadata: { name: east }
spec: {}
`;

Deno.test("parseKitchenFile() takes the Kitchens of a file and skips other kinds", () => {
  const docs = parseKitchenFile("k.yaml", FILE);
  assert.deepEqual(docs.map((d) => [d.index, d.resource.metadata!.name]), [
    [1, "east"],
    [2, "west"],
    [
      3,
      "east",
    ],
  ]);
  assert.throws(
    () =>
      parseKitchenFile("k.yaml", "apiVersion: ovenline.dev/v2\nkind: Kitchen\nmetadata: {name: x}"),
    /apiVersion must be ovenline\.dev\/v1alpha1/,
  );
  assert.throws(() => parseKitchenFile("k.yaml", "a: [1,"), /k\.yaml: document 1/);
});

Deno.test("applyKitchenDocuments() applies with the schema's defaults and refuses unknown fields and duplicates", async () => {
  const { store, rows } = memoryStore();
  const results = await applyKitchenDocuments(parseKitchenFile("k.yaml", FILE), store);
  assert.deepEqual(results.map((r) => [r.kitchen, r.kind]), [
    ["east", "applied"],
    ["west", "invalid"],
    ["east", "invalid"],
  ]);
  assert.match((results[1] as { problems: string }).problems, /spec\.ovens: unknown field/);
  assert.match((results[2] as { problems: string }).problems, /also declared in k\.yaml/);
  const east = rows.get("east")!.config;
  assert.equal(east.slotMinutes, 15, "default from the schema");
  assert.equal(east.leadMinutes, 30);
  assert.equal(east.acceptingOrders, true);
  assert.equal(rows.has("west"), false);

  const dry = memoryStore();
  const checked = await applyKitchenDocuments(parseKitchenFile("k.yaml", FILE), dry.store, {
    dryRun: true,
  });
  assert.equal(checked[0].kind, "checked");
  assert.equal(dry.saves.length, 0);
});
