/**
 * What the Kitchen operator and the hub (KITCHEN_CONFIG_SOURCE=kubernetes) may do in the
 * Kubernetes API: namespaced Role rules, nothing cluster-wide. The chart's Roles are generated
 * from these (cdk8s/lib/services/kitchen_operator.ts), and the tests run the operator with exactly them.
 */
import { KITCHEN_GROUP, KITCHEN_PLURAL } from "../../adapters/kubernetes/kitchen_crd.ts";

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

/** The operator: watch Kitchens, put and take its finalizer, write status, hold its Lease. */
export function operatorRules(leaseName: string): PolicyRule[] {
  return [
    {
      apiGroups: [KITCHEN_GROUP],
      resources: [KITCHEN_PLURAL],
      verbs: ["get", "list", "watch", "update", "patch"],
    },
    {
      apiGroups: [KITCHEN_GROUP],
      resources: [`${KITCHEN_PLURAL}/status`],
      verbs: ["patch", "update"],
    },
    // Needed to set finalizers where the OwnerReferencesPermissionEnforcement admission plugin runs.
    { apiGroups: [KITCHEN_GROUP], resources: [`${KITCHEN_PLURAL}/finalizers`], verbs: ["update"] },
    // create cannot be limited by name (the name is not known before the object exists).
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: [leaseName],
      verbs: ["get", "update"],
    },
  ];
}

/** The hub: read a Kitchen and replace its spec (PUT /kitchens/{id}), nothing else. */
export function hubRules(): PolicyRule[] {
  return [{ apiGroups: [KITCHEN_GROUP], resources: [KITCHEN_PLURAL], verbs: ["get", "patch"] }];
}
