import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { DEFAULT_KITCHEN, isKitchenId } from "../../domain/kitchen_config.ts";
import { parseClock } from "../../domain/opening_hours.ts";
import {
  KITCHEN_CRD_NAME,
  KITCHEN_SPEC_DEFAULTS,
  KITCHEN_SPEC_SCHEMA,
  kitchenCrd,
  type SchemaNode,
  withSchemaDefaults,
} from "./kitchen_crd.ts";
import { kitchenConfigOf, kitchenManifest, kitchenSpecOf } from "./kitchen_resource.ts";

const props = KITCHEN_SPEC_SCHEMA.properties!;
const opening = (props.hours.properties!.mon.items as SchemaNode).properties!;
const matches = (node: SchemaNode, text: string) => new RegExp(node.pattern as string).test(text);

Deno.test("kitchenCrd() is a v1alpha1 CRD named kitchens.ovenline.dev with a status subresource", () => {
  const crd = kitchenCrd() as {
    metadata: { name: string };
    spec: {
      versions: {
        name: string;
        subresources: unknown;
        additionalPrinterColumns: { name: string }[];
      }[];
    };
  };
  assert.equal(crd.metadata.name, KITCHEN_CRD_NAME);
  assert.equal(crd.metadata.name, "kitchens.ovenline.dev");
  const [version] = crd.spec.versions;
  assert.equal(version.name, "v1alpha1");
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    version.additionalPrinterColumns.map((c) => c.name),
    ["Zone", "Capacity", "Unit", "Accepting", "Ready", "Load", "Age", "Display", "Reason"],
  );
});

Deno.test("withSchemaDefaults() fills the schema's defaults, which are the default kitchen's", () => {
  const filled = withSchemaDefaults({ displayName: "x" }) as Record<string, unknown>;
  assert.deepEqual(filled, { displayName: "x", ...KITCHEN_SPEC_DEFAULTS });
  for (const [key, value] of Object.entries(KITCHEN_SPEC_DEFAULTS)) {
    assert.equal(DEFAULT_KITCHEN[key as keyof typeof DEFAULT_KITCHEN], value, key);
  }
  // Given fields are kept, nested objects are walked.
  const kept = withSchemaDefaults({
    slotMinutes: 20,
    hours: { mon: [{ open: "10:00", close: "11:00" }] },
  });
  assert.equal((kept as { slotMinutes: number }).slotMinutes, 20);
});

Deno.test("the schema's patterns accept and refuse what the domain does", () => {
  for (const text of ["00:00", "09:30", "23:59", "24:00", "24:01", "7:00", "12:60", "ab:cd"]) {
    assert.equal(
      matches(opening.open, text),
      parseClock(text, "open") !== undefined,
      `open ${text}`,
    );
    assert.equal(
      matches(opening.close, text),
      parseClock(text, "close") !== undefined,
      `close ${text}`,
    );
  }
  for (const id of ["main", "north-2", "a", "-x", "Main", "a_b", "x".repeat(63), "x".repeat(64)]) {
    const rule = (kitchenCrd() as {
      spec: {
        versions: {
          schema: { openAPIV3Schema: { "x-kubernetes-validations": { rule: string }[] } };
        }[];
      };
    }).spec.versions[0].schema.openAPIV3Schema["x-kubernetes-validations"][0].rule;
    const pattern = /matches\('(.*)'\)/.exec(rule)![1];
    assert.equal(new RegExp(pattern).test(id), isKitchenId(id), id);
  }
  assert.ok(matches(props.timeZone, "Europe/Moscow") && matches(props.timeZone, "Etc/GMT+3"));
  assert.ok(!matches(props.timeZone, "+03:00"));
  const station = props.stations.items as SchemaNode;
  assert.ok(matches(station, "pizza") && !matches(station, "Pizza"));
});

Deno.test("deploy/kitchens/main.yaml declares exactly the kitchen the migrations seed", async () => {
  const text = await Deno.readTextFile(
    new URL("../../../deploy/kitchens/main.yaml", import.meta.url),
  );
  const resource = parseYaml(text);
  const checked = kitchenConfigOf(resource);
  assert.ok(checked.ok, JSON.stringify(checked));
  assert.deepEqual(checked.value, DEFAULT_KITCHEN);
});

Deno.test("kitchenConfigOf() names violations by their place in the resource", () => {
  const resource = kitchenManifest({ ...DEFAULT_KITCHEN, id: "bad.name" });
  resource.spec = { ...kitchenSpecOf(DEFAULT_KITCHEN), timeZone: "Mars/Olympus" };
  const checked = kitchenConfigOf(resource);
  assert.ok(!checked.ok);
  assert.deepEqual(checked.violations.map((v) => v.field).sort(), [
    "metadata.name",
    "spec.timeZone",
  ]);
});
