/** The hub's configuration, read once from the environment. */
import {
  type CommonConfig,
  metricsPort,
  readCommonConfig,
  readStallAfterMs,
} from "../../config/common.ts";
import { ConfigError, type Env, integer, list, optionalText, text } from "../../config/env.ts";
import type { TokenAuthority } from "../../adapters/http/bearer_tokens.ts";
import { readTokenAuthority } from "../../config/auth.ts";
import type { KubeSettings } from "../../adapters/kubernetes/kube_config.ts";
import type { KitchenConfigSource } from "./kitchen_writer.ts";

export interface HubConfig extends CommonConfig {
  readonly host: string;
  readonly port: number;
  /** Prometheus /metrics; 0: none. */
  readonly metricsPort: number;
  readonly defaultKitchenId: string;
  /** A client with more than this many bytes unsent is too slow and is cut off. */
  readonly maxBufferedBytes: number;
  /** Most events replayed to a resuming client; a longer gap gets a snapshot. */
  readonly maxReplay: number;
  readonly kafkaSendTimeoutMs: number;
  /** Largest REST request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Most WebSocket deliveries of one traced event recorded as spans of their own. */
  readonly maxDeliverySpans: number;
  /** The bearer tokens' keys (a Kubernetes Secret) and rules: see src/config/auth.ts. */
  readonly auth: TokenAuthority;
  /** Most WebSockets open at once on one token session (a token and its renewals). */
  readonly maxSocketsPerToken: number;
  /** REST calls per token session: a bucket of `burst` refilled at `perSecond`. */
  readonly apiRate: { readonly perSecond: number; readonly burst: number };
  /** Origins allowed to call the API from a browser; empty = the hub's own pages only. */
  readonly corsOrigins: string[];
  /** Who writes kitchen settings: this API (postgres), the Kitchen resource, or Kitchen files. */
  readonly kitchenSource: KitchenConfigSource;
  /** kubernetes source: where the Kitchen resources are, and how long a PUT waits for the operator. */
  readonly kitchenResources?: {
    readonly kube: KubeSettings;
    readonly namespace: string;
    readonly applyWaitMs: number;
  };
  /** Not live once the event-stream reader has said nothing for this long. */
  readonly stallAfterMs: number;
}

export function readHubConfig(env: Env = Deno.env.toObject()): HubConfig {
  return {
    ...readCommonConfig(env, "hub"),
    host: text(env, "HUB_HOST", "0.0.0.0"),
    port: integer(env, "HUB_PORT", 8080, { min: 0, max: 65_535 }),
    metricsPort: metricsPort(env),
    defaultKitchenId: text(env, "DEFAULT_KITCHEN_ID", "main"),
    maxBufferedBytes: integer(env, "WS_MAX_BUFFERED_BYTES", 1 << 20, { min: 1024, max: 1 << 30 }),
    maxReplay: integer(env, "WS_MAX_REPLAY", 10_000, { min: 1, max: 100_000 }),
    kafkaSendTimeoutMs: integer(env, "KAFKA_SEND_TIMEOUT_MS", 5_000, { min: 100, max: 60_000 }),
    maxBodyBytes: integer(env, "HTTP_MAX_BODY_BYTES", 64 * 1024, { min: 1024, max: 16 << 20 }),
    maxDeliverySpans: integer(env, "HUB_MAX_DELIVERY_SPANS", 100, { min: 0, max: 100_000 }),
    auth: readTokenAuthority(env),
    maxSocketsPerToken: integer(env, "WS_MAX_SOCKETS_PER_TOKEN", 8, { min: 1, max: 10_000 }),
    apiRate: {
      perSecond: integer(env, "HTTP_RATE_PER_SECOND", 20, { min: 1, max: 100_000 }),
      burst: integer(env, "HTTP_RATE_BURST", 60, { min: 1, max: 100_000 }),
    },
    corsOrigins: list(env, "CORS_ORIGINS", []),
    ...kitchenSource(env),
    stallAfterMs: readStallAfterMs(env, 30_000),
  };
}

function kitchenSource(env: Env): Pick<HubConfig, "kitchenSource" | "kitchenResources"> {
  const source = text(env, "KITCHEN_CONFIG_SOURCE", "postgres");
  if (source === "postgres" || source === "files") return { kitchenSource: source };
  if (source !== "kubernetes") {
    throw new ConfigError(
      `KITCHEN_CONFIG_SOURCE must be postgres, kubernetes or files, got "${source}"`,
    );
  }
  return {
    kitchenSource: source,
    kitchenResources: {
      kube: { kubeconfigPath: optionalText(env, "KUBECONFIG") },
      namespace: text(env, "KITCHEN_NAMESPACE", "default"),
      applyWaitMs: integer(env, "KITCHEN_APPLY_WAIT_MS", 5_000, { min: 0, max: 60_000 }),
    },
  };
}
