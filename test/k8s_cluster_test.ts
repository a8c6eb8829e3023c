/**
 * The chart and `deno task k8s:check` against a real kube-apiserver (scripts/k8s/apiserver.sh):
 *
 * - k8s:check before install reports every missing operator CRD, by name and provider;
 * - `helm template` output (default values, deploy/values-prod.yaml) is accepted object by object
 *   by the API server's server-side dry-run apply, on top of the chart's Kitchen CRD and
 *   permissive stand-ins for the operators' CRDs (their real schemas are checked by
 *   test/chart_test.ts with the kubernetes-models packages);
 * - k8s:check after install fails on an empty namespace, passes once the release's objects exist
 *   and report healthy, and fails again, naming it, when a Deployment is unavailable.
 *
 * No controller-manager or operator runs here, so the objects' statuses are written by the test.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { kitchenManifest } from "../src/adapters/kubernetes/kitchen_resource.ts";
import { DEFAULT_KITCHEN } from "../src/domain/kitchen_config.ts";
import { CHART, parseManifests, runHelm } from "./support/chart.ts";
import { ROOT_PATH } from "./support/infra.ts";
import { startKubeApi } from "./support/kube_api.ts";
import { applyObjects, ensureNamespace, installKitchenCrd } from "./support/kube_kitchens.ts";
import {
  installOperatorStandIns,
  OPERATOR_REQUIREMENTS,
  removeOperatorStandIns,
} from "./support/operator_crds.ts";

const INSTALL_NS = "ovenline-check-test";
const EMPTY_NS = "ovenline-check-empty";
const DRY_RUN_NS = "ovenline-dry-run";
const MERGE = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/** Runs the k8s:check command line; returns its exit code and report. */
async function k8sCheck(kubeconfig: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${ROOT_PATH}src/services/k8s_check/main.ts`,
      "--kubeconfig",
      kubeconfig,
      ...args,
    ],
    cwd: ROOT_PATH,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, report: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** `helm template` of the chart as client-node objects (typed where client-node knows the kind). */
async function template(namespace: string, valuesFiles: string[]): Promise<k8s.KubernetesObject[]> {
  const r = await runHelm([
    "template",
    "ovenline",
    CHART,
    "--namespace",
    namespace,
    ...valuesFiles.flatMap((f) => ["-f", f]),
  ]);
  if (!r.ok) throw new Error(`helm template failed: ${r.stderr}`);
  // Gated-off templates leave empty documents, which k8s.loadAllYaml cannot take: parse first,
  // then let client-node map each object onto its model (JSON is YAML).
  return parseManifests(r.stdout).map((o) => k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(o)));
}

const ready = [{ type: "Ready", status: "True", reason: "Ready", message: "test says so" }];

Deno.test("helm template output and k8s:check against a real API server", async (t) => {
  const api = await startKubeApi();
  const { kc, kubeconfigPath } = api;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  try {
    // The Kitchen CRD is the chart's own (helm installs crds/ first); the stand-ins from a
    // previous run go, so that "before install" starts from a cluster without operators.
    await installKitchenCrd(kc);
    await removeOperatorStandIns(kc);
    for (const ns of [INSTALL_NS, EMPTY_NS, DRY_RUN_NS]) await ensureNamespace(kc, ns);

    await t.step(
      "k8s:check before install: missing operator CRDs are reported, exit 1",
      async () => {
        const { code, report, stderr } = await k8sCheck(
          kubeconfigPath,
          "--phase",
          "pre",
          "-n",
          INSTALL_NS,
          "-f",
          "deploy/values-prod.yaml",
          "--set",
          "loadTest.enabled=true",
        );
        console.log(report);
        assert.equal(code, 1, stderr);
        assert.match(report, /before install/);
        assert.match(report, /ok {4}https:\/\/127\.0\.0\.1:\d+: Kubernetes v1\.\d+/);
        for (const req of OPERATOR_REQUIREMENTS) {
          assert.match(
            report,
            new RegExp(
              `FAIL  ${req.kind} \\(${req.group}/${req.version}\\): missing: CRD ${req.plural}\\.${req.group} not found; install `,
            ),
            req.kind,
          );
        }
        assert.match(report, /ok {4}Kitchen \(ovenline\.dev\/v1alpha1\): served/);
        assert.match(report, /FAILED: \d+ ok, 14 failed/);
      },
    );

    await t.step("only what the values need is required", async () => {
      const { code, report } = await k8sCheck(
        kubeconfigPath,
        "--phase",
        "pre",
        "-n",
        INSTALL_NS,
        "-f",
        "deploy/values-external.yaml",
        "--set",
        "consumer.autoscaling.enabled=false",
      );
      assert.equal(code, 0, report);
      assert.doesNotMatch(report, /strimzi|cnpg|keda/);
    });

    await installOperatorStandIns(kc);

    await t.step("k8s:check before install passes once the operators' CRDs exist", async () => {
      const { code, report } = await k8sCheck(
        kubeconfigPath,
        "--phase",
        "pre",
        "-n",
        INSTALL_NS,
        "-f",
        "deploy/values-prod.yaml",
        "--set",
        "loadTest.enabled=true",
      );
      assert.equal(code, 0, report);
      assert.match(report, /PASSED: 17 ok, 0 failed/);
    });

    for (
      const [name, files] of [["defaults", []], ["prod", ["deploy/values-prod.yaml"]]] as const
    ) {
      await t.step(`helm template (${name}) is accepted by server-side dry-run apply`, async () => {
        const objects = await template(DRY_RUN_NS, [...files]);
        assert.ok(objects.length > 30, `${objects.length} objects`);
        const refused: string[] = [];
        for (const obj of objects) {
          try {
            await applyObjects(kc, [obj], { dryRun: true, namespace: DRY_RUN_NS });
          } catch (error) {
            refused.push(`${obj.kind} ${obj.metadata?.name}: ${(error as Error).message}`);
          }
        }
        assert.deepEqual(refused, []);
        const kinds = new Set(objects.map((o) => o.kind));
        if (name === "prod") {
          for (const kind of ["Role", "RoleBinding", "Kafka", "ScaledObject", "HTTPRoute"]) {
            assert.ok(kinds.has(kind), kind);
          }
        }
        // Dry run: nothing was created.
        const left = await apps.listNamespacedDeployment({ namespace: DRY_RUN_NS });
        assert.equal(left.items.length, 0);
      });
    }

    await t.step("k8s:check after install fails on a namespace without the release", async () => {
      const { code, report } = await k8sCheck(
        kubeconfigPath,
        "--phase",
        "post",
        "-n",
        EMPTY_NS,
        "-f",
        "deploy/values-prod.yaml",
      );
      assert.equal(code, 1, report);
      assert.match(report, /FAIL {2}Kafka: none of release ovenline in ovenline-check-empty/);
      assert.match(report, /FAIL {2}Deployment ovenline-hub: missing/);
      assert.match(report, /FAIL {2}Lease ovenline-kitchen-operator: missing/);
      assert.match(report, /warn {2}Kitchen: none in ovenline-check-empty/);
    });

    await t.step("k8s:check after install passes when the release is healthy", async () => {
      const objects = await template(INSTALL_NS, ["deploy/values-prod.yaml"]);
      await applyObjects(kc, objects, { namespace: INSTALL_NS });
      await applyObjects(kc, [kitchenManifest(DEFAULT_KITCHEN, INSTALL_NS)]);
      // What the controllers and operators would report.
      for (const d of objects.filter((o) => o.kind === "Deployment")) {
        const replicas = (d as k8s.V1Deployment).spec?.replicas ?? 1;
        await apps.patchNamespacedDeploymentStatus({
          name: d.metadata!.name!,
          namespace: INSTALL_NS,
          body: {
            status: {
              replicas,
              readyReplicas: replicas,
              availableReplicas: replicas,
              conditions: [{
                type: "Available",
                status: "True",
                reason: "MinimumReplicasAvailable",
              }],
            },
          },
        }, MERGE);
      }
      for (const s of objects.filter((o) => o.kind === "StatefulSet")) {
        await apps.patchNamespacedStatefulSetStatus({
          name: s.metadata!.name!,
          namespace: INSTALL_NS,
          body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } },
        }, MERGE);
      }
      const statusOf: Record<string, Record<string, unknown>> = {
        Kafka: { conditions: ready },
        KafkaTopic: { conditions: ready },
        KafkaUser: { conditions: ready },
        KafkaNodePool: { replicas: 3, nodeIds: [0, 1, 2] },
        Cluster: { conditions: ready, phase: "Cluster in healthy state" },
        ScaledObject: { conditions: [...ready, { type: "Active", status: "False" }] },
        GRPCRoute: { parents: [{ conditions: [{ type: "Accepted", status: "True" }] }] },
        HTTPRoute: { parents: [{ conditions: [{ type: "Accepted", status: "True" }] }] },
      };
      for (const o of objects) {
        const status = statusOf[o.kind!];
        const req = OPERATOR_REQUIREMENTS.find((r) => r.kind === o.kind);
        if (!status || !req) continue;
        await custom.patchNamespacedCustomObjectStatus({
          group: req.group,
          version: req.version,
          namespace: INSTALL_NS,
          plural: req.plural,
          name: o.metadata!.name!,
          body: { status },
        }, MERGE);
      }
      await custom.patchNamespacedCustomObjectStatus({
        group: "ovenline.dev",
        version: "v1alpha1",
        namespace: INSTALL_NS,
        plural: "kitchens",
        name: "main",
        body: {
          status: {
            observedGeneration: 1,
            conditions: [{
              type: "Ready",
              status: "True",
              reason: "Applied",
              message: "applied as configuration version 1",
              lastTransitionTime: new Date().toISOString(),
            }],
          },
        },
      }, MERGE);
      const now = new k8s.V1MicroTime();
      await applyObjects(kc, [{
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "ovenline-kitchen-operator", namespace: INSTALL_NS },
        spec: {
          holderIdentity: "ovenline-kitchen-operator-abc12",
          leaseDurationSeconds: 15,
          renewTime: now,
          acquireTime: now,
        },
      } as k8s.V1Lease]);

      const { code, report } = await k8sCheck(
        kubeconfigPath,
        "--phase",
        "post",
        "-n",
        INSTALL_NS,
        "-f",
        "deploy/values-prod.yaml",
      );
      console.log(report);
      assert.equal(code, 0, report);
      assert.match(report, /ok {4}Kafka ovenline-kafka: Ready/);
      assert.match(report, /ok {4}Cluster ovenline-pg: Ready \(Cluster in healthy state\)/);
      assert.match(report, /ok {4}ScaledObject ovenline-consumer: Ready, idle/);
      assert.match(report, /ok {4}Deployment ovenline-kitchen-operator: 2\/2 available/);
      assert.match(report, /ok {4}Lease ovenline-kitchen-operator: held by/);
      assert.match(report, /ok {4}Kitchen main: Ready/);
      assert.doesNotMatch(report, /FAIL/);
    });

    await t.step("k8s:check after install names an unavailable Deployment, exit 1", async () => {
      await apps.patchNamespacedDeploymentStatus({
        name: "ovenline-hub",
        namespace: INSTALL_NS,
        body: {
          status: {
            availableReplicas: 0,
            conditions: [{
              type: "Available",
              status: "False",
              reason: "MinimumReplicasUnavailable",
              message: "Deployment does not have minimum availability.",
            }],
          },
        },
      }, MERGE);
      const { code, report } = await k8sCheck(
        kubeconfigPath,
        "--phase",
        "post",
        "-n",
        INSTALL_NS,
        "-f",
        "deploy/values-prod.yaml",
      );
      assert.equal(code, 1, report);
      assert.match(
        report,
        /FAIL {2}Deployment ovenline-hub: 0\/1 available \(False: MinimumReplicasUnavailable/,
      );
      assert.match(report, /FAILED: \d+ ok, 1 failed/);
    });
  } finally {
    // Leave no operator CRDs (their objects go with them) and no Kitchens behind.
    await removeOperatorStandIns(kc).catch((error) => console.error(error));
    await custom.deleteNamespacedCustomObject({
      group: "ovenline.dev",
      version: "v1alpha1",
      namespace: INSTALL_NS,
      plural: "kitchens",
      name: "main",
    }).catch(() => {});
    await api.close();
  }
});
