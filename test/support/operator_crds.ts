/**
 * Permissive stand-ins for the operators' CRDs (Strimzi, CloudNativePG, KEDA, Gateway API,
 * prometheus-operator, k6-operator) on the test API server: the right group, version, kind and
 * plural, a status subresource, and a schema that keeps any field
 * (x-kubernetes-preserve-unknown-fields). They let `helm template` output be applied with
 * server-side dry-run; the objects' real schemas are checked by test/chart_test.ts with the
 * kubernetes-models packages, not here. The kinds are k8s:check's table (requirements.ts).
 */
import * as k8s from "@kubernetes/client-node";
import {
  CRD_REQUIREMENTS,
  type CrdRequirement,
} from "../../src/services/k8s_check/requirements.ts";
import { installCrd } from "./kube_kitchens.ts";
import { waitFor } from "./wait.ts";

const STAND_IN_LABEL = "ovenline.dev/test-stand-in";

export const OPERATOR_REQUIREMENTS: readonly CrdRequirement[] = CRD_REQUIREMENTS.filter((r) =>
  !r.ownCrd
);

export function permissiveCrdYaml(req: CrdRequirement): string {
  // Groups under k8s.io need the approval annotation (the real Gateway API CRDs carry it).
  const approval = /(^|\.)k8s\.io$|(^|\.)kubernetes\.io$/.test(req.group)
    ? `
  annotations:
    api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/1538`
    : "";
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${req.plural}.${req.group}
  labels:
    ${STAND_IN_LABEL}: "true"${approval}
spec:
  group: ${req.group}
  scope: Namespaced
  names:
    kind: ${req.kind}
    plural: ${req.plural}
    singular: ${req.kind.toLowerCase()}
    listKind: ${req.kind}List
  versions:
    - name: ${req.version}
      served: true
      storage: true
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
}

export async function installOperatorStandIns(kc: k8s.KubeConfig): Promise<void> {
  await Promise.all(OPERATOR_REQUIREMENTS.map((r) => installCrd(kc, permissiveCrdYaml(r))));
}

/**
 * Deletes the stand-ins (only CRDs this helper made: they carry its label) and waits until they
 * are gone. Each is listed first: the API server's CRD finalizer, which deletes a CRD's objects,
 * fails with "storage is (re)initializing" on a CRD whose storage is not ready yet (right after a
 * start) and then backs off for minutes.
 */
export async function removeOperatorStandIns(kc: k8s.KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const selector = { labelSelector: `${STAND_IN_LABEL}=true` };
  const list = await ext.listCustomResourceDefinition(selector);
  for (const crd of list.items) {
    const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0].name;
    await waitFor(
      `${crd.metadata!.name} served`,
      async () => {
        await custom.listClusterCustomObject({
          group: crd.spec.group,
          version,
          plural: crd.spec.names.plural,
        });
        return true;
      },
      30_000,
      200,
    ).catch(() => {}); // a half-made CRD may never serve: delete it anyway
    await ext.deleteCustomResourceDefinition({ name: crd.metadata!.name! }).catch(() => {});
  }
  await waitFor(
    "the stand-in CRDs to go",
    async () => {
      return (await ext.listCustomResourceDefinition(selector)).items.length === 0;
    },
    120_000,
    200,
  );
}
