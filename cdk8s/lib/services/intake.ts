/** intake: gRPC CreateOrder for customer apps (plaintext behind a gateway, or TLS itself). */
import { and, cat, ifElse, lit, not, orElse, v, when } from "../expr.ts";
import { cpuAutoscaling } from "../autoscaling.ts";
import { nameOf } from "../names.ts";
import type { Add, Check } from "../render.ts";
import { appService } from "./app_service.ts";
import { probes } from "./probes.ts";
import { ref } from "../../values.ts";

const TLS_DIR = "/etc/ovenline/grpc-tls";

export function intake(add: Add, checks: Check[]): void {
  const grpcPort = ref("intake.grpcPort");
  const metricsPort = ref("intake.metricsPort");
  const tlsOn = ref("intake.tls.enabled");
  const tlsFile = (file: string, on = tlsOn) => v(ifElse(on, lit(`${TLS_DIR}/${file}`), lit("")));
  const grpcProbe = { port: v(grpcPort) };
  appService(add, {
    component: "intake",
    autoscaled: ref("intake.autoscaling.enabled"),
    uses: ["kafka", "postgres", "redis"],
    // The consumer group: intake reports its lag too.
    settings: [
      "CONFIG_REFRESH_MS",
      "DEFAULT_KITCHEN_ID",
      "KAFKA_GROUP_ID",
      "KAFKA_SEND_TIMEOUT_MS",
    ],
    env: [
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
    }],
  });
  checks.push({
    failWhen: and(tlsOn, not(ref("intake.tls.secretName"))),
    message: "intake.tls.enabled needs intake.tls.secretName",
  });
  cpuAutoscaling(add, checks, "intake");
}
