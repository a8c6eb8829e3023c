/**
 * intake: gRPC CreateOrder for customer apps (plaintext behind a gateway, or TLS itself), which
 * knows its customers by their tokens (a key set from values, a Secret or a URL) or a trusted
 * backend-for-frontend's client certificate, and keys order ids with a secret.
 */
import { and, cat, type Expr, ifElse, join, lit, not, or, orElse, v, when } from "../expr.ts";
import { cpuAutoscaling } from "../autoscaling.ts";
import { orderIdSecret } from "../endpoints.ts";
import { hostPort } from "../helpers.ts";
import { nameOf } from "../names.ts";
import type { Add, Check } from "../render.ts";
import { appService } from "./app_service.ts";
import { probes } from "./probes.ts";
import { ref } from "../../values.ts";

const TLS_DIR = "/etc/ovenline/grpc-tls";
const KEYS_DIR = "/etc/ovenline/customer-keys";

/** The environment of intake's identity and abuse settings (docs/security.md). */
function customerEnv(): { name: string; value: string }[] {
  const c = (key: string) => ref(`intake.customers.${key}` as "intake.customers.issuer");
  const num = (path: string) => v(cat(ref(path as "intake.grpcPort")));
  const keySet = or(ref("intake.customers.jwks"), ref("intake.customers.existingSecret"));
  const keyFile = ifElse(
    ref("intake.customers.existingSecret"),
    cat(`${KEYS_DIR}/`, ref("intake.customers.jwksKey")),
    lit(`${KEYS_DIR}/jwks.json`),
  );
  const limit = (name: string, path: string) => ({ name, value: num(`intake.limits.${path}`) });
  const conn = (name: string, path: string) => ({ name, value: num(`intake.connections.${path}`) });
  return [
    { name: "CUSTOMER_JWKS_FILE", value: v(ifElse(keySet, keyFile, lit(""))) },
    { name: "CUSTOMER_JWKS_URL", value: v(c("jwksUrl")) },
    { name: "CUSTOMER_JWT_ISSUER", value: v(c("issuer")) },
    { name: "CUSTOMER_JWT_AUDIENCE", value: v(c("audience")) },
    {
      name: "CUSTOMER_JWT_ALGORITHMS",
      value: v(join(",", ref("intake.customers.algorithms"))),
    },
    { name: "CUSTOMER_JWT_CLAIM", value: v(c("customerClaim")) },
    { name: "CUSTOMER_JWT_MAX_LIFETIME_S", value: num("intake.customers.maxLifetimeSeconds") },
    {
      name: "TRUSTED_BFF_SUBJECTS",
      value: v(join(";", ref("intake.customers.trustedBackends"))),
    },
    {
      name: "ALLOW_ANONYMOUS_CUSTOMERS",
      value: v(ifElse(ref("intake.customers.allowAnonymous"), lit("true"), lit("false"))),
    },
    {
      name: "INTAKE_TRUSTED_PROXIES",
      value: v(join(",", ref("intake.limits.trustedProxies"))),
    },
    limit("RATE_LIMIT_ORDERS", "ordersPerCustomer"),
    limit("PEER_RATE_LIMIT_ORDERS", "ordersPerPeer"),
    limit("RATE_LIMIT_WINDOW_S", "windowSeconds"),
    limit("PEER_RATE_LIMIT_WINDOW_S", "windowSeconds"),
    limit("MAX_OPEN_ORDERS_PER_CUSTOMER", "maxOpenOrders"),
    limit("CUSTOMER_SLOT_SHARE_PERCENT", "slotSharePercent"),
    limit("GRPC_CALLS_PER_S_PER_CONNECTION", "callsPerSecondPerConnection"),
    limit("GRPC_CALLS_PER_S_PER_PEER", "callsPerSecondPerPeer"),
    limit("LOOKUP_MISSES_LIMIT", "lookupMisses"),
    limit("INTAKE_MAX_IN_FLIGHT", "maxInFlight"),
    limit("INTAKE_SHED_TARGET_MS", "shedTargetMs"),
    conn("GRPC_MAX_CONCURRENT_STREAMS", "maxConcurrentStreams"),
    conn("GRPC_MAX_CONNECTION_AGE_S", "maxAgeSeconds"),
    conn("GRPC_MAX_CONNECTION_AGE_GRACE_S", "maxAgeGraceSeconds"),
    conn("GRPC_MAX_CONNECTION_IDLE_S", "maxIdleSeconds"),
    conn("WATCH_MAX_PER_CONNECTION", "watchesPerConnection"),
    conn("WATCH_MAX_PER_ORDER", "watchesPerOrder"),
    conn("WATCH_MAX_TOTAL", "watchesPerReplica"),
    conn("WATCH_MAX_DURATION_S", "watchMaxSeconds"),
  ];
}

/**
 * Settings that cannot work together. (None at all is refused by intake itself, which does not
 * start without a way to know its customers; the plain manifests are rendered with the defaults.)
 */
function customerChecks(checks: Check[], tlsOn: Expr<boolean>): void {
  const c = (key: string) => ref(`intake.customers.${key}` as "intake.customers.issuer");
  const keySet = or(c("jwks"), c("existingSecret"));
  checks.push(
    {
      failWhen: and(keySet, c("jwksUrl")),
      message: "intake.customers: give the key set (jwks or existingSecret) or jwksUrl, not both",
    },
    {
      failWhen: and(or(keySet, c("jwksUrl")), or(not(c("issuer")), not(c("audience")))),
      message: "intake.customers.issuer and .audience are needed with a key set",
    },
    {
      failWhen: and(c("trustedBackends"), not(and(tlsOn, ref("intake.tls.clientCA")))),
      message: "intake.customers.trustedBackends needs intake.tls.enabled and intake.tls.clientCA",
    },
  );
}

export function intake(add: Add, checks: Check[]): void {
  const grpcPort = ref("intake.grpcPort");
  const metricsPort = ref("intake.metricsPort");
  const tlsOn = ref("intake.tls.enabled");
  const tlsFile = (file: string, on = tlsOn) => v(ifElse(on, lit(`${TLS_DIR}/${file}`), lit("")));
  const grpcProbe = { port: v(grpcPort) };
  appService(add, {
    component: "intake",
    autoscaled: ref("intake.autoscaling.enabled"),
    // The reflection service's descriptors; its certificate and key with TLS at intake; the
    // customers' key set from its Secret.
    reads: ["src/gen/descriptor_set.binpb", TLS_DIR, KEYS_DIR],
    // The identity provider's key set, when intake fetches it.
    net: [hostPort(ref("intake.customers.jwksUrl"))],
    // grpc-js's proto-loader asks for the uid.
    sys: ["uid"],
    uses: ["kafka", "postgres", "redis"],
    // The consumer group: intake reports its lag too.
    settings: [
      "CONFIG_REFRESH_MS",
      "DEFAULT_KITCHEN_ID",
      "KAFKA_GROUP_ID",
      "KAFKA_SEND_TIMEOUT_MS",
    ],
    secrets: { ORDER_ID_SECRET: orderIdSecret },
    env: [
      ...customerEnv(),
      { name: "GRPC_HOST", value: "0.0.0.0" },
      { name: "GRPC_PORT", value: v(cat(grpcPort)) },
      { name: "METRICS_PORT", value: v(cat(metricsPort)) },
      { name: "GRPC_TLS_CERT_FILE", value: tlsFile("tls.crt") },
      { name: "GRPC_TLS_KEY_FILE", value: tlsFile("tls.key") },
      {
        name: "GRPC_TLS_CLIENT_CA_FILE",
        value: tlsFile("ca.crt", and(tlsOn, ref("intake.tls.clientCA"))),
      },
    ],
    ports: [
      // h2c tells a Gateway to speak HTTP/2 cleartext to the pods (gRPC balanced per request);
      // with TLS at intake that would be a lie, and the backend's TLS is the Gateway's to set.
      { name: "grpc", port: grpcPort, appProtocol: when(not(tlsOn), "kubernetes.io/h2c") },
      { name: "metrics", port: metricsPort },
    ],
    // Kubernetes' native gRPC probe asks grpc.health.v1 (plaintext only: with intake.tls the
    // probes check the TCP port instead).
    probes: probes(() => ({
      grpc: when(not(tlsOn), grpcProbe),
      tcpSocket: when(tlsOn, grpcProbe),
    })),
    extraVolumes: [{
      volume: {
        name: "grpc-tls",
        secret: {
          secretName: v(orElse(ref("intake.tls.secretName"), nameOf("intake-tls"))),
          optional: true,
        },
      },
      mount: { name: "grpc-tls", mountPath: TLS_DIR, readOnly: true },
    }, {
      // Mounted whole (no subPath), so a changed key set reaches the running pods.
      volume: {
        name: "customer-keys",
        secret: {
          secretName: v(orElse(ref("intake.customers.existingSecret"), nameOf("customer-keys"))),
          optional: true,
        },
      },
      mount: { name: "customer-keys", mountPath: KEYS_DIR, readOnly: true },
    }],
  });
  checks.push({
    failWhen: and(tlsOn, not(ref("intake.tls.secretName"))),
    message: "intake.tls.enabled needs intake.tls.secretName",
  });
  customerChecks(checks, tlsOn);
  cpuAutoscaling(add, checks, "intake");
}
