/** intake's configuration, read once from the environment. */
import {
  type CommonConfig,
  metricsPort,
  readCommonConfig,
  readStallAfterMs,
} from "../../config/common.ts";
import { type Env, integer, optionalText, text } from "../../config/env.ts";

export interface IntakeConfig extends CommonConfig {
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** Prometheus /metrics; 0: none. */
  readonly metricsPort: number;
  readonly defaultKitchenId: string;
  readonly kafkaSendTimeoutMs: number;
  /** Largest CreateOrder request accepted, in bytes. */
  readonly maxRequestBytes: number;
  /** How far ahead a pre-order may ask at most (each kitchen's horizon narrows it). */
  readonly maxRequestAheadMs: number;
  readonly shutdownGraceMs: number;
  /** CreateOrder calls processed at once; beyond it callers get UNAVAILABLE at once (shed load). */
  readonly maxInFlight: number;
  /** CreateOrder calls allowed per customer id, and per phone, in each window. */
  readonly rateLimit: { readonly points: number; readonly windowSeconds: number };
  /** TLS for gRPC: certificate and key; with a client CA, clients must present a certificate (mTLS). */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
  };
  /** NOT_SERVING (not live) once a Kafka produce request has been in flight this long. */
  readonly stallAfterMs: number;
}

export function readIntakeConfig(env: Env = Deno.env.toObject()): IntakeConfig {
  return {
    ...readCommonConfig(env, "intake"),
    stallAfterMs: readStallAfterMs(env, 60_000),
    grpcHost: text(env, "GRPC_HOST", "0.0.0.0"),
    grpcPort: integer(env, "GRPC_PORT", 50051, { min: 0, max: 65_535 }),
    metricsPort: metricsPort(env),
    defaultKitchenId: text(env, "DEFAULT_KITCHEN_ID", "main"),
    kafkaSendTimeoutMs: integer(env, "KAFKA_SEND_TIMEOUT_MS", 5_000, { min: 100, max: 60_000 }),
    maxRequestBytes: integer(env, "GRPC_MAX_REQUEST_BYTES", 64 * 1024, { min: 1024, max: 4 << 20 }),
    maxRequestAheadMs: integer(env, "MAX_PREORDER_AHEAD_DAYS", 7, { min: 0, max: 60 }) * 86_400_000,
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 5_000, { min: 0, max: 60_000 }),
    maxInFlight: integer(env, "INTAKE_MAX_IN_FLIGHT", 1_000, { min: 1, max: 100_000 }),
    rateLimit: {
      points: integer(env, "RATE_LIMIT_ORDERS", 20, { min: 1, max: 1_000_000 }),
      windowSeconds: integer(env, "RATE_LIMIT_WINDOW_S", 60, { min: 1, max: 86_400 }),
    },
    tls: tlsConfig(env),
  };
}

function tlsConfig(env: Env): IntakeConfig["tls"] {
  const certFile = optionalText(env, "GRPC_TLS_CERT_FILE");
  const keyFile = optionalText(env, "GRPC_TLS_KEY_FILE");
  const clientCaFile = optionalText(env, "GRPC_TLS_CLIENT_CA_FILE");
  if (!certFile && !keyFile && !clientCaFile) return undefined;
  return {
    certFile: text(env, "GRPC_TLS_CERT_FILE"),
    keyFile: text(env, "GRPC_TLS_KEY_FILE"),
    clientCaFile,
  };
}
