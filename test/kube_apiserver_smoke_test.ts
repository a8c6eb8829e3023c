/**
 * The real kube-apiserver (scripts/k8s/apiserver.sh) answers @kubernetes/client-node under Deno:
 * a CRD, custom objects, a Lease, server-side dry-run apply, and an informer's watch.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { httpStatus, startKubeApi } from "./support/kube_api.ts";
import { waitFor } from "./support/wait.ts";

const GROUP = "ovenline.dev";
const VERSION = "v1alpha1";
const PLURAL = "kitchens";
const CRD_NAME = `${PLURAL}.${GROUP}`;
const NS = "default";
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

interface Kitchen extends k8s.KubernetesObject {
  spec: { displayName: string; timeZone: string; capacity?: number; acceptsOrders?: boolean };
  status?: Record<string, unknown>;
}

// Typed models use client-node's property names, not the JSON ones: `_default` for `default`,
// `x_kubernetes_preserve_unknown_fields` for `x-kubernetes-preserve-unknown-fields`; the serializer
// silently drops a JSON-named key (plain objects from YAML go through k8s.loadYaml first).
const kitchenCrd: k8s.V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: PLURAL, singular: "kitchen", kind: "Kitchen", shortNames: ["kit"] },
    versions: [{
      name: VERSION,
      served: true,
      storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Display", type: "string", jsonPath: ".spec.displayName" },
        { name: "Accepts", type: "boolean", jsonPath: ".spec.acceptsOrders" },
      ],
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: {
              type: "object",
              required: ["displayName", "timeZone"],
              properties: {
                displayName: { type: "string", minLength: 1 },
                timeZone: { type: "string" },
                capacity: { type: "integer", minimum: 0 },
                acceptsOrders: { type: "boolean", _default: true },
              },
            },
            status: { type: "object", x_kubernetes_preserve_unknown_fields: true },
          },
        },
      },
    }],
  },
};

function kitchen(name: string, spec: Partial<Kitchen["spec"]> = {}): Kitchen {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "Kitchen",
    metadata: { name, namespace: NS },
    spec: { displayName: `Kitchen ${name}`, timeZone: "Europe/Moscow", capacity: 12, ...spec },
  };
}

async function notFound(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return false;
  } catch (error) {
    if (httpStatus(error) === 404) return true;
    throw error;
  }
}

Deno.test("kube-apiserver smoke: CRD, custom objects, Lease, dry-run apply, informer", async (t) => {
  const api = await startKubeApi();
  const { kc } = api;
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };
  try {
    await t.step("the server is the pinned release", async () => {
      const version = await kc.makeApiClient(k8s.VersionApi).getCode();
      console.log(`server ${version.gitVersion} (${version.platform})`);
      assert.match(version.gitVersion, /^v1\.\d+\.\d+$/);
    });

    await t.step("a Kitchen CRD becomes Established", async () => {
      // A CRD left by an interrupted run: delete it first (the API server's own finalizer
      // removes its objects; no controller-manager is needed for that).
      if (!await notFound(() => ext.readCustomResourceDefinition({ name: CRD_NAME }))) {
        await ext.deleteCustomResourceDefinition({ name: CRD_NAME });
        await waitFor(
          "the old CRD to go",
          () => notFound(() => ext.readCustomResourceDefinition({ name: CRD_NAME })),
          60_000,
          200,
        );
      }
      await ext.createCustomResourceDefinition({ body: kitchenCrd });
      const established = await waitFor(
        "the CRD to be Established",
        async () => {
          const crd = await ext.readCustomResourceDefinition({ name: CRD_NAME });
          return crd.status?.conditions?.find((c) =>
            c.type === "Established" && c.status === "True"
          );
        },
        30_000,
        100,
      );
      assert.equal(established.status, "True");
      // Discovery serves the new resource only shortly after Established.
      await waitFor(
        "the kitchens resource to be served",
        async () => (await custom.listNamespacedCustomObject(ref)).items !== undefined,
        30_000,
        100,
      );
    });

    await t.step("custom objects: create, get, patch, schema validation, delete", async () => {
      const name = `crud-${RUN}`;
      const created: Kitchen = await custom.createNamespacedCustomObject({
        ...ref,
        body: kitchen(name),
      });
      assert.equal(created.metadata?.name, name);
      assert.equal(created.spec.acceptsOrders, true, "the schema's default is applied");
      assert.equal(created.metadata?.generation, 1);

      const got: Kitchen = await custom.getNamespacedCustomObject({ ...ref, name });
      assert.equal(got.spec.displayName, `Kitchen ${name}`);

      // client-node 1.x sends application/json-patch+json unless told otherwise.
      const patched: Kitchen = await custom.patchNamespacedCustomObject(
        { ...ref, name, body: { spec: { capacity: 20, acceptsOrders: false } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      assert.equal(patched.spec.capacity, 20);
      assert.equal(patched.spec.acceptsOrders, false);
      assert.equal(patched.metadata?.generation, 2);
      const jsonPatched: Kitchen = await custom.patchNamespacedCustomObject({
        ...ref,
        name,
        body: [{ op: "replace", path: "/spec/displayName", value: "Renamed" }],
      });
      assert.equal(jsonPatched.spec.displayName, "Renamed");

      // The status subresource is separate from the spec.
      const withStatus: Kitchen = await custom.patchNamespacedCustomObjectStatus(
        { ...ref, name, body: { status: { observedGeneration: 3, phase: "Ready" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      assert.deepEqual(withStatus.status, { observedGeneration: 3, phase: "Ready" });

      // The OpenAPI schema rejects an invalid spec with 422.
      await assert.rejects(
        custom.createNamespacedCustomObject({
          ...ref,
          body: kitchen(`bad-${RUN}`, { capacity: -1, displayName: "" }),
        }),
        (error) => {
          assert.equal(httpStatus(error), 422);
          assert.match(String((error as k8s.ApiException<string>).body), /capacity|displayName/);
          return true;
        },
      );

      await custom.deleteNamespacedCustomObject({ ...ref, name });
      assert(await notFound(() => custom.getNamespacedCustomObject({ ...ref, name })));
    });

    await t.step("a coordination.k8s.io Lease can be created and renewed", async () => {
      const name = `ovenline-leader-${RUN}`;
      // MicroTime fields need k8s.V1MicroTime (six fractional digits): a plain Date is sent
      // with milliseconds and the server answers 400 "cannot parse .123Z as .000000".
      const acquired = new k8s.V1MicroTime();
      const lease = await coordination.createNamespacedLease({
        namespace: NS,
        body: {
          metadata: { name },
          spec: {
            holderIdentity: "replica-a",
            leaseDurationSeconds: 15,
            acquireTime: acquired,
            renewTime: acquired,
            leaseTransitions: 0,
          },
        },
      });
      assert.equal(lease.spec?.holderIdentity, "replica-a");
      // ...and what comes back is the raw string, not a Date, whatever the type says.
      assert.equal(typeof lease.spec?.renewTime, "string");
      assert.equal(new Date(String(lease.spec?.renewTime)).getTime(), acquired.getTime());

      // Optimistic concurrency as a leader elector does it: replace with the resourceVersion.
      const renewed = new k8s.V1MicroTime(acquired.getTime() + 1000);
      const read = await coordination.readNamespacedLease({ name, namespace: NS });
      read.spec!.renewTime = renewed;
      read.spec!.holderIdentity = "replica-b";
      read.spec!.leaseTransitions = 1;
      const replaced = await coordination.replaceNamespacedLease({
        name,
        namespace: NS,
        body: read,
      });
      assert.equal(replaced.spec?.holderIdentity, "replica-b");
      assert.equal(new Date(String(replaced.spec?.renewTime)).getTime(), renewed.getTime());
      // A stale resourceVersion conflicts (409).
      await assert.rejects(
        coordination.replaceNamespacedLease({ name, namespace: NS, body: read }),
        (error) => httpStatus(error) === 409,
      );
      await coordination.deleteNamespacedLease({ name, namespace: NS });
    });

    await t.step("RBAC: a ServiceAccount token gets only what its Role grants", async () => {
      const name = `smoke-${RUN}`;
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
      await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } });
      try {
        // A bound token signed with --service-account-signing-key-file.
        const request = await core.createNamespacedServiceAccountToken({
          name,
          namespace: NS,
          body: { spec: { audiences: [], expirationSeconds: 600 } },
        });
        const cluster = kc.getCurrentCluster()!;
        const asSa = new k8s.KubeConfig();
        asSa.loadFromOptions({
          clusters: [{ name: "c", server: cluster.server, caData: cluster.caData }],
          users: [{ name: "sa", token: request.status!.token }],
          contexts: [{ name: "sa", cluster: "c", user: "sa" }],
          currentContext: "sa",
        });
        const review = await asSa.makeApiClient(k8s.AuthenticationV1Api)
          .createSelfSubjectReview({ body: {} });
        assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${NS}:${name}`);

        const leasesAsSa = asSa.makeApiClient(k8s.CoordinationV1Api);
        await assert.rejects(
          leasesAsSa.listNamespacedLease({ namespace: NS }),
          (error) => httpStatus(error) === 403,
        );
        await rbac.createNamespacedRole({
          namespace: NS,
          body: {
            metadata: { name },
            rules: [{
              apiGroups: ["coordination.k8s.io"],
              resources: ["leases"],
              verbs: ["get", "list", "watch"],
            }],
          },
        });
        await rbac.createNamespacedRoleBinding({
          namespace: NS,
          body: {
            metadata: { name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
          },
        });
        // The authorizer reads RBAC objects from its informer cache: allow it a moment.
        await waitFor(
          "the Role to take effect",
          async () => (await leasesAsSa.listNamespacedLease({ namespace: NS })).items,
          10_000,
          100,
        );
        await assert.rejects(
          leasesAsSa.createNamespacedLease({ namespace: NS, body: { metadata: { name } } }),
          (error) => httpStatus(error) === 403,
          "the Role grants no create",
        );
      } finally {
        await rbac.deleteNamespacedRoleBinding({ name, namespace: NS }).catch(() => {});
        await rbac.deleteNamespacedRole({ name, namespace: NS }).catch(() => {});
        await core.deleteNamespacedServiceAccount({ name, namespace: NS });
      }
    });

    await t.step("server-side apply of a Deployment with dryRun=All persists nothing", async () => {
      const name = `dry-${RUN}`;
      const deployment: k8s.V1Deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: NS, labels: { app: name } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "app", image: "ovenline/intake:dev" }] },
          },
        },
      };
      const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
      const applied = await objects.patch(
        deployment,
        undefined,
        "All",
        "ovenline-smoke",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      assert.equal(applied.metadata?.name, name);
      assert.ok(applied.metadata?.uid, "the server filled in the object");
      const managers = applied.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`);
      assert.deepEqual(managers, ["ovenline-smoke/Apply"]);
      assert.equal((applied as k8s.V1Deployment).spec?.strategy?.type, "RollingUpdate");
      assert(await notFound(() => apps.readNamespacedDeployment({ name, namespace: NS })));

      // An invalid object is rejected by the dry run as it would be for real.
      const invalid = structuredClone(deployment);
      invalid.spec!.selector = { matchLabels: { app: "other" } };
      await assert.rejects(
        objects.patch(
          invalid,
          undefined,
          "All",
          "ovenline-smoke",
          true,
          "application/apply-patch+yaml",
        ),
        (error) => httpStatus(error) === 422,
      );
    });

    await t.step(
      "rendered YAML (as from helm template) dry-run applies via loadAllYaml",
      async () => {
        // k8s.loadAllYaml turns each document into client-node's typed model, which serializes
        // back to the JSON names. A plain parsed object (js-yaml, JSON.parse) loses keys whose
        // model name differs (`default`, `x-kubernetes-*`) without an error.
        const manifest = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ovens.${GROUP}}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: {plural: ovens, singular: oven, kind: Oven}
  versions:
  - name: ${VERSION}
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              hot: {type: boolean, default: true}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: rendered-${RUN}, namespace: ${NS}}
data: {kitchen: main}
`;
        const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
        const docs = k8s.loadAllYaml(manifest) as k8s.KubernetesObject[];
        assert.equal(docs.length, 2);
        const applied = [];
        for (const doc of docs) {
          applied.push(
            await objects.patch(
              doc,
              undefined,
              "All",
              "ovenline-smoke",
              true,
              "application/apply-patch+yaml",
            ),
          );
        }
        const crd = applied[0] as k8s.V1CustomResourceDefinition;
        const props = crd.spec.versions[0].schema?.openAPIV3Schema?.properties?.spec.properties;
        assert.equal(props?.hot._default, true, "the schema default reached the server");
        assert.equal(props?.extra.x_kubernetes_preserve_unknown_fields, true);
        assert(await notFound(() => ext.readCustomResourceDefinition({ name: `ovens.${GROUP}` })));
      },
    );

    await t.step("an informer sees ADDED, MODIFIED and DELETED for a Kitchen", async () => {
      const name = `watched-${RUN}`;
      const events: string[] = [];
      const informer = k8s.makeInformer<Kitchen>(
        kc,
        `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
        () => custom.listNamespacedCustomObject(ref),
      );
      const mine = (verb: string) => (obj: Kitchen) => {
        if (obj.metadata?.name === name) events.push(`${verb}:${obj.spec.capacity}`);
      };
      informer.on("add", mine("ADDED"));
      informer.on("update", mine("MODIFIED"));
      informer.on("delete", mine("DELETED"));
      // The informer does not retry by itself: on "error" (server gone, watch closed early) a
      // controller restarts it. stop() too emits "error" (an AbortError), so such a handler
      // must know it is stopping.
      const errors: unknown[] = [];
      informer.on("error", (err) => errors.push(err));
      await informer.start();
      try {
        await custom.createNamespacedCustomObject({ ...ref, body: kitchen(name) });
        await waitFor("ADDED", () => events.includes("ADDED:12"), 10_000);
        await custom.patchNamespacedCustomObject(
          { ...ref, name, body: { spec: { capacity: 30 } } },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        await waitFor("MODIFIED", () => events.includes("MODIFIED:30"), 10_000);
        assert.equal(informer.get(name, NS)?.spec.capacity, 30, "the informer's cache is current");
        await custom.deleteNamespacedCustomObject({ ...ref, name });
        await waitFor("DELETED", () => events.includes("DELETED:30"), 10_000);
        assert.deepEqual(events, ["ADDED:12", "MODIFIED:30", "DELETED:30"]);
        assert.deepEqual(errors, []);
      } finally {
        await informer.stop();
      }
    });

    await t.step("the CRD is deleted, an object still in it", async () => {
      await custom.createNamespacedCustomObject({ ...ref, body: kitchen(`left-${RUN}`) });
      await ext.deleteCustomResourceDefinition({ name: CRD_NAME });
      await waitFor(
        "the CRD to go",
        () => notFound(() => ext.readCustomResourceDefinition({ name: CRD_NAME })),
        60_000,
        200,
      );
    });
  } finally {
    await api.close();
  }
});
