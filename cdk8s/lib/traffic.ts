/**
 * Traffic from outside the cluster to intake (gRPC) and the hub (HTTP, WebSockets): Gateway API
 * routes (gateway.enabled) or Ingresses (ingress.enabled).
 */
import { and, type Expr, v, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { n, objectMeta } from "./names.ts";
import type { Add } from "./render.ts";
import { ref } from "../values.ts";

export function traffic(add: Add): void {
  gatewayRoutes(add);
  ingresses(add);
}

function gatewayRoutes(add: Add): void {
  /** A route of `component` on the Gateway of gateway.parentRefs, under its hostnames. */
  const route = <R extends k.IGRPCRoute | k.IHTTPRoute>(
    kind: R["kind"],
    component: "intake" | "hub",
    hostnames: Expr<string[]>,
    rule: NonNullable<NonNullable<R["spec"]>["rules"]>[number],
  ) =>
    add(
      `${component}-${kind.toLowerCase()}`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind,
        metadata: objectMeta(component),
        spec: {
          parentRefs: v(ref("gateway.parentRefs")) as never,
          hostnames: v(hostnames),
          rules: [rule],
        },
      },
      ref("gateway.enabled"),
    );

  route<k.IGRPCRoute>("GRPCRoute", "intake", ref("gateway.intakeHostnames"), {
    backendRefs: [{ name: n("intake"), port: v(ref("intake.grpcPort")) }],
  });
  // The Gateway API has no rate limits; Envoy Gateway's policy adds one per client address.
  const perClient = (cidr: string) => ({
    clientSelectors: [{ sourceCIDR: { type: "Distinct", value: cidr } }],
    limit: { requests: v(ref("gateway.envoyGateway.intakeCallsPerMinute")), unit: "Minute" },
  });
  add(
    "intake-backendtrafficpolicy",
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: objectMeta("intake"),
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: n("intake") }],
        rateLimit: { type: "Local", local: { rules: [perClient("0.0.0.0/0"), perClient("::/0")] } },
      },
    },
    and(ref("gateway.enabled"), ref("gateway.envoyGateway.intakeRateLimit")),
  );
  route<k.IHTTPRoute>("HTTPRoute", "hub", ref("gateway.hubHostnames"), {
    // REST, pages and the WebSocket upgrades of /ws/kds and /ws/erp.
    matches: [{ path: { type: "PathPrefix", value: "/" } }],
    backendRefs: [{ name: n("hub"), port: v(ref("hub.port")) }],
  });
}

function ingresses(add: Add): void {
  const ing = ref("ingress.enabled");
  const tls = ref("ingress.tlsSecretName");
  const ingress = (
    component: "intake" | "hub",
    host: Expr<string>,
    port: Expr<number>,
    annotations: Expr<Record<string, string>>,
  ): k.IIngress => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { ...objectMeta(component), annotations: v(annotations) },
    spec: {
      ingressClassName: v(ref("ingress.className")),
      tls: when(tls, [{ hosts: [v(host)], secretName: v(tls) }]),
      rules: [{
        host: when(host, v(host)),
        http: {
          paths: [{
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: n(component), port: { number: v(port) } } },
          }],
        },
      }],
    },
  });
  add(
    "intake-ingress",
    ingress(
      "intake",
      ref("ingress.intakeHost"),
      ref("intake.grpcPort"),
      ref("ingress.intakeAnnotations"),
    ),
    ing,
  );
  add(
    "hub-ingress",
    ingress("hub", ref("ingress.hubHost"), ref("hub.port"), ref("ingress.hubAnnotations")),
    ing,
  );
}
