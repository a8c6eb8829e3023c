/**
 * `helm install`, `upgrade` and `uninstall` of the chart against a real kube-apiserver
 * (scripts/k8s/apiserver.sh, with permissive stand-ins for the operators' CRDs), where Helm's
 * lookup sees the cluster. No controller runs there, so hooks are left out (--no-hooks): what is
 * checked is what Helm itself does with the release's objects.
 *
 * - Switching from an external database to an operator-run one on upgrade is refused, with the
 *   reason, while the Cluster does not exist (its pre-upgrade migration would wait for it and fail
 *   after 900 s); with the Cluster there, the same upgrade goes through.
 * - The chart's own Secret for an external database's URL goes with helm uninstall.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { CHART, runHelm } from "./support/chart.ts";
import { startKubeApi } from "./support/kube_api.ts";
import { ensureNamespace, installKitchenCrd } from "./support/kube_kitchens.ts";
import { installOperatorStandIns } from "./support/operator_crds.ts";

const NS = "ovenline-upgrade-test";
const RELEASE = "guard";

Deno.test("helm upgrade and uninstall against a real API server", async (t) => {
  const api = await startKubeApi();
  const helm = (...args: string[]) =>
    runHelm([...args, "--namespace", NS, "--kubeconfig", api.kubeconfigPath]);
  const core = api.kc.makeApiClient(k8s.CoreV1Api);
  const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
  const external = [
    "-f",
    "deploy/values-external.yaml",
    "--set",
    "consumer.autoscaling.enabled=false",
    "--set",
    "postgres.external.existingSecret=",
    "--set",
    "postgres.external.url=postgres://ovenline:secret@db.example:5432/ovenline",
  ];
  const secretExists = async (name: string) => {
    try {
      await core.readNamespacedSecret({ name, namespace: NS });
      return true;
    } catch {
      return false;
    }
  };
  const deleteCluster = () =>
    custom.deleteNamespacedCustomObject({
      group: "postgresql.cnpg.io",
      version: "v1",
      namespace: NS,
      plural: "clusters",
      name: "guard-ovenline-pg",
    }).catch(() => {});
  try {
    await installKitchenCrd(api.kc);
    await installOperatorStandIns(api.kc);
    await ensureNamespace(api.kc, NS);
    await helm("uninstall", RELEASE, "--ignore-not-found", "--no-hooks");
    await deleteCluster();

    await t.step("install with an external database", async () => {
      const r = await helm("install", RELEASE, CHART, "--no-hooks", ...external);
      assert.ok(r.ok, r.stderr);
      assert.ok(await secretExists("guard-ovenline-postgres"));
    });

    await t.step(
      "an upgrade to an operator-run database without its Cluster is refused",
      async () => {
        const r = await helm(
          "upgrade",
          RELEASE,
          CHART,
          "--no-hooks",
          ...external,
          "--set",
          "postgres.operator.enabled=true",
        );
        assert.ok(!r.ok, "the upgrade went through");
        assert.match(
          r.stderr,
          /postgres\.operator\.enabled: this upgrade would switch to an operator-run database, but the Cluster guard-ovenline-pg does not exist/,
        );
      },
    );

    await t.step("with the Cluster there, the same upgrade renders and applies", async () => {
      await custom.createNamespacedCustomObject({
        group: "postgresql.cnpg.io",
        version: "v1",
        namespace: NS,
        plural: "clusters",
        body: {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "Cluster",
          // Made by hand, for the release to adopt (what the refusal says to do).
          metadata: {
            name: "guard-ovenline-pg",
            labels: { "app.kubernetes.io/managed-by": "Helm" },
            annotations: {
              "meta.helm.sh/release-name": RELEASE,
              "meta.helm.sh/release-namespace": NS,
            },
          },
          spec: { instances: 1 },
        },
      });
      const r = await helm(
        "upgrade",
        RELEASE,
        CHART,
        "--no-hooks",
        ...external,
        "--set",
        "postgres.operator.enabled=true",
      );
      assert.ok(r.ok, r.stderr);
      // The external database's Secret left the release with the switch.
      assert.ok(!(await secretExists("guard-ovenline-postgres")));
    });

    await t.step("helm uninstall deletes the chart's database Secret", async () => {
      const back = await helm("upgrade", RELEASE, CHART, "--no-hooks", ...external);
      assert.ok(back.ok, back.stderr);
      assert.ok(await secretExists("guard-ovenline-postgres"));
      const r = await helm("uninstall", RELEASE, "--no-hooks");
      assert.ok(r.ok, r.stderr);
      assert.ok(!(await secretExists("guard-ovenline-postgres")));
    });
  } finally {
    // The namespace stays: without a controller-manager nothing would finish deleting it.
    await helm("uninstall", RELEASE, "--ignore-not-found", "--no-hooks");
    await deleteCluster();
    await api.close();
  }
});
