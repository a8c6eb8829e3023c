/**
 * NetworkPolicies: a deny-all for the release's pods, DNS, and one policy per component that
 * allows exactly its flows (listed with their reasons in docs/architecture.md, "Network flows").
 * A dependency run in the release is reached by its pods' labels; one outside it at
 * networkPolicy.externalTo on the ports in networkPolicy.external*Ports.
 */
import { and, Expr, lit, matches, not, or, releaseName, v, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import {
  collectorOn,
  EXTERNAL_PORTS,
  kafkaCluster,
  kafkaOperator,
  pgCluster,
  pgOperator,
  redisInRelease,
} from "./endpoints.ts";
import { objectMeta, ownPods, selector } from "./names.ts";
import type { Add, Check } from "./render.ts";
import { type NetPeer, ref } from "../values.ts";

/** host:port, comma-separated (spaces around the commas allowed). */
const BROKERS = "^ *[^ ,]+:[0-9]+ *(, *[^ ,]+:[0-9]+ *)*$";

type Egress = NonNullable<NonNullable<k.INetworkPolicy["spec"]>["egress"]>[number];
type Ingress = NonNullable<NonNullable<k.INetworkPolicy["spec"]>["ingress"]>[number];

const netpol = ref("networkPolicy.enabled");

const tcp = (port: number | Expr<number>): k.INetworkPolicyPort => ({
  protocol: "TCP",
  port: typeof port === "number" ? port : v(port),
});
const pods = (component: string): k.INetworkPolicyPeer => ({
  podSelector: { matchLabels: selector(component) },
});

const external = () => v(ref("networkPolicy.externalTo")) as k.INetworkPolicyPeer[];

/**
 * Egress to networkPolicy.externalTo on `ports`, when `on` holds. No rule at all without ports:
 * a rule with an empty port list would allow every port.
 */
const toExternal = (on: Expr<unknown>, ports: Expr<unknown>): Egress =>
  when(and(on, ports), { to: external(), ports: v(ports) as k.INetworkPolicyPort[] });

/** Egress to a dependency: `inRelease` ? its pods : networkPolicy.externalTo on its ports. */
function dependency(inRelease: Expr<unknown>, pods: Egress, ports: Expr<unknown>): Egress[] {
  return [when(inRelease, pods), toExternal(not(inRelease), ports)];
}

const toKafka = (): Egress[] =>
  dependency(kafkaOperator, {
    to: [{
      podSelector: {
        matchLabels: { "strimzi.io/cluster": v(kafkaCluster), "strimzi.io/kind": "Kafka" },
      },
    }],
    ports: [tcp(9093)],
  }, EXTERNAL_PORTS.kafka);
const toPostgres = (): Egress[] =>
  dependency(pgOperator, {
    to: [{ podSelector: { matchLabels: { "cnpg.io/cluster": v(pgCluster) } } }],
    ports: [tcp(5432)],
  }, EXTERNAL_PORTS.postgres);
const toRedis = (): Egress[] =>
  dependency(
    redisInRelease,
    { to: [pods("redis")], ports: [tcp(6379)] },
    EXTERNAL_PORTS.redis,
  );
const toCollector = (): Egress[] => [
  when(collectorOn, { to: [pods("otel-collector")], ports: [tcp(4317), tcp(4318)] }),
  toExternal(and(not(collectorOn), ref("otel.endpoint")), EXTERNAL_PORTS.otel),
];

const kitchenOperator = ref("kitchenOperator.enabled");
/** Egress to the Kubernetes API server (the Kitchen operator, and the hub with it). */
const toApiServer = (): Egress => ({
  to: v(ref("kitchenOperator.apiServerTo")) as k.INetworkPolicyPeer[],
  ports: v(ref("kitchenOperator.apiServerPorts")) as k.INetworkPolicyPort[],
});

/**
 * Ingress on `port` from the pods of the namespace `namespace` names (none when empty) and from the
 * `extra` peers; no rule at all when there are neither (an empty `from` would admit everyone).
 */
function fromNamespace(
  namespace: Expr<string>,
  extra: Expr<NetPeer[]>,
  port: Expr<number>,
): Ingress {
  const peers = new Expr<NetPeer[]>(
    `(concat (ternary (list (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" ${namespace.helm})))) (list) (not (empty ${namespace.helm}))) ${extra.helm})`,
    (c) => {
      const ns = namespace.evaluate(c);
      const own = ns
        ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }]
        : [];
      return [...own, ...(extra.evaluate(c) ?? [])];
    },
    "any",
  );
  return when(or(namespace, extra), {
    from: v(peers) as k.INetworkPolicyPeer[],
    ports: [tcp(port)],
  });
}

/** Ingress from Prometheus (the monitoring namespace) to a metrics port. */
const prometheus = (port: Expr<number>): Ingress =>
  fromNamespace(
    ref("networkPolicy.monitoringNamespace"),
    ref("networkPolicy.prometheusFrom"),
    port,
  );
/** Ingress from the gateway or ingress controller (the gateway namespace). */
const fromOutside = (port: Expr<number>): Ingress =>
  fromNamespace(ref("networkPolicy.gatewayNamespace"), ref("networkPolicy.ingressFrom"), port);
/** Ingress from the k6 runners while a load test is on. */
const loadTestFrom = (port: Expr<number>): Ingress =>
  when(ref("loadTest.enabled"), {
    from: [{ podSelector: { matchLabels: { "ovenline.io/load-test": v(releaseName) } } }],
    ports: [tcp(port)],
  });

/** What intake, consumer and hub reach: Kafka, Redis, PostgreSQL and the collector. */
const toAllDependencies = (): Egress[] => [
  ...toKafka(),
  ...toRedis(),
  ...toPostgres(),
  ...toCollector(),
];
/** A service reached from outside on `port`: the gateway, Prometheus, and k6 during a load test. */
const servedFromOutside = (port: Expr<number>, metricsPort: Expr<number>): Ingress[] => [
  fromOutside(port),
  prometheus(metricsPort),
  loadTestFrom(port),
];

export function networkPolicies(add: Add, checks: Check[]): void {
  checks.push({
    failWhen: and(not(kafkaOperator), not(matches(BROKERS, ref("kafka.external.brokers")))),
    message:
      "kafka.external.brokers: give every broker as host:port, comma-separated (the port also opens the NetworkPolicies)",
  });
  checks.push({
    failWhen: and(netpol, not(pgOperator), not(EXTERNAL_PORTS.postgres)),
    message:
      "networkPolicy.externalPostgresPorts: list the port of the PostgreSQL in postgres.external.existingSecret (the chart cannot read the Secret's URL, and the NetworkPolicies must open that port)",
  });

  const policy = (
    name: string,
    podSelector: Record<string, string>,
    types: ("Ingress" | "Egress")[],
    rules: { ingress?: Ingress[]; egress?: Egress[] },
    gate: Expr<unknown> = netpol,
  ) =>
    add(
      `networkpolicy-${name}`,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: objectMeta("network-policy", `netpol-${name}`),
        spec: {
          podSelector: { matchLabels: podSelector },
          policyTypes: types,
          ingress: rules.ingress,
          egress: rules.egress,
        },
      } satisfies k.INetworkPolicy,
      gate,
    );

  // Nothing in or out unless a policy below allows it.
  policy("default-deny", ownPods(), ["Ingress", "Egress"], {});
  policy("dns", ownPods(), ["Egress"], {
    egress: [{
      to: v(ref("networkPolicy.dnsTo")),
      ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
    }],
  });

  policy("intake", selector("intake"), ["Ingress", "Egress"], {
    ingress: servedFromOutside(ref("intake.grpcPort"), ref("intake.metricsPort")),
    // With customers' keys at a URL: the identity provider, at networkPolicy.externalTo.
    egress: [
      ...toAllDependencies(),
      toExternal(ref("intake.customers.jwksUrl"), EXTERNAL_PORTS.customerKeys),
    ],
  });

  policy("consumer", selector("consumer"), ["Ingress", "Egress"], {
    ingress: [prometheus(ref("consumer.metricsPort"))],
    egress: toAllDependencies(),
  });

  policy("promoter", selector("promoter"), ["Ingress", "Egress"], {
    ingress: [prometheus(ref("promoter.metricsPort"))],
    egress: [...toRedis(), ...toCollector()],
  });

  policy("hub", selector("hub"), ["Ingress", "Egress"], {
    ingress: servedFromOutside(ref("hub.port"), ref("hub.metricsPort")),
    // With the Kitchen operator the hub edits Kitchen resources.
    egress: [...toAllDependencies(), when(kitchenOperator, toApiServer())],
  });

  policy(
    "kitchen-operator",
    selector("kitchen-operator"),
    ["Ingress", "Egress"],
    {
      ingress: [prometheus(ref("kitchenOperator.healthPort"))],
      egress: [...toPostgres(), ...toRedis(), ...toCollector(), toApiServer()],
    },
    and(netpol, kitchenOperator),
  );

  policy("migrate", selector("migrate"), ["Egress"], { egress: toPostgres() });
  policy(
    "housekeeper",
    selector("housekeeper"),
    ["Egress"],
    { egress: toPostgres() },
    and(netpol, ref("housekeeper.enabled")),
  );

  policy(
    "dlq",
    selector("dlq"),
    ["Egress"],
    { egress: toKafka() },
    and(netpol, ref("deadLetterTool.enabled")),
  );

  policy(
    "redis",
    selector("redis"),
    ["Ingress"],
    {
      ingress: [{
        from: ["intake", "consumer", "promoter", "hub", "kitchen-operator"].map(pods),
        ports: [tcp(6379)],
      }],
    },
    and(netpol, redisInRelease),
  );

  policy(
    "otel-collector",
    selector("otel-collector"),
    ["Ingress", "Egress"],
    {
      ingress: [
        { from: [{ podSelector: { matchLabels: ownPods() } }], ports: [tcp(4317), tcp(4318)] },
        prometheus(lit(8888)),
      ],
      egress: [toExternal(lit(true), EXTERNAL_PORTS.collectorUpstream)],
    },
    and(netpol, collectorOn),
  );
}
