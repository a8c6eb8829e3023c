/**
 * The objects around a workload that look the same for each: its ServiceAccount, its
 * PodDisruptionBudget and its ClusterIP Service. Each is named `<fullname>-<component>` and its
 * file `<component>-<kind>`.
 */
import { type Expr, v } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { objectMeta, selector } from "./names.ts";
import type { Add } from "./render.ts";

/** A ServiceAccount that mounts no token unless the pod asks for one. */
export function serviceAccount(add: Add, component: string, gate?: Expr<unknown>): void {
  add(
    `${component}-serviceaccount`,
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: objectMeta(component),
      automountServiceAccountToken: false,
    } satisfies k.IServiceAccount,
    gate,
  );
}

/** At most one pod of `component` down at a time for voluntary disruptions. */
export function disruptionBudget(add: Add, component: string, gate?: Expr<unknown>): void {
  add(
    `${component}-pdb`,
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: objectMeta(component),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector(component) } },
    } satisfies k.IPodDisruptionBudget,
    gate,
  );
}

export interface ServicePort {
  /** Also the container port's name it targets. */
  readonly name: string;
  readonly port: number | Expr<number>;
  /** A constant, or a placeholder (`when(...)`) for one that depends on values. */
  readonly appProtocol?: string;
}

/** A ClusterIP Service in front of `component`'s pods. */
export function clusterService(
  add: Add,
  component: string,
  ports: readonly ServicePort[],
  gate?: Expr<unknown>,
): void {
  add(
    `${component}-service`,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: objectMeta(component),
      spec: {
        type: "ClusterIP",
        selector: selector(component),
        ports: ports.map((p) => ({
          name: p.name,
          port: typeof p.port === "number" ? p.port : v(p.port),
          targetPort: p.name,
          protocol: "TCP",
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
      },
    } satisfies k.IService,
    gate,
  );
}
