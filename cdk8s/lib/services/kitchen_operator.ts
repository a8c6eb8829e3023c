/**
 * kitchen-operator: reconciles Kitchen resources into the live kitchen configuration (see
 * docs/kitchen-operator.md). Its own Deployment, ServiceAccount and namespaced Role (the rules of
 * src/services/kitchen_operator/rbac.ts), plus the Role that lets the hub edit Kitchens.
 * The Kitchen CRD itself is in the chart's crds/ (cdk8s/main.ts writes it).
 */
import { cat, lit, orElse, releaseNamespace, v } from "../expr.ts";
import type * as k from "../k8s_types.ts";
import { n, nameOf, objectMeta } from "../names.ts";
import type { Add } from "../render.ts";
import { appService } from "./app_service.ts";
import { httpProbes } from "./probes.ts";
import { hubRules, operatorRules } from "../../../src/services/kitchen_operator/rbac.ts";
import { ref } from "../../values.ts";

const enabled = ref("kitchenOperator.enabled");
/** LEASE_NAME: the value, else `<fullname>-kitchen-operator`. */
export const leaseName = orElse(ref("kitchenOperator.leaseName"), nameOf("kitchen-operator"));

export function kitchenOperator(add: Add): void {
  const healthPort = ref("kitchenOperator.healthPort");
  appService(add, {
    component: "kitchen-operator",
    script: "src/services/kitchen_operator/main.ts",
    valuesKey: "kitchenOperator",
    gate: enabled,
    autoscaled: lit(false),
    uses: ["postgres", "redis"],
    settings: [],
    automountToken: lit(true),
    env: [
      { name: "KITCHEN_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "LEASE_NAME", value: v(leaseName) },
      { name: "KITCHEN_RESYNC_MS", value: v(cat(ref("kitchenOperator.resyncSeconds"), "000")) },
      { name: "KITCHEN_OPERATOR_HEALTH_PORT", value: v(cat(healthPort)) },
    ],
    ports: [{ name: "health", port: healthPort }],
    probes: httpProbes(healthPort),
  });
  role(add, "kitchen-operator", operatorRules(v(leaseName)));
  role(add, "hub", hubRules(), "kitchen-editor");
}

/** A Role `<fullname>-<suffix>` with `rules`, bound to `<fullname>-<component>`'s ServiceAccount. */
function role(add: Add, component: string, rules: k.IRole["rules"], suffix = component): void {
  add(
    `${suffix}-role`,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: objectMeta(component, suffix),
      rules: rules?.map((r) => ({ ...r })),
    } satisfies k.IRole,
    enabled,
  );
  add(
    `${suffix}-rolebinding`,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: objectMeta(component, suffix),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n(suffix) },
      subjects: [{ kind: "ServiceAccount", name: n(component), namespace: v(releaseNamespace) }],
    } satisfies k.IRoleBinding,
    enabled,
  );
}
