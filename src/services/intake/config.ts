/** intake's configuration, read once from the environment. */
import {
  type CommonConfig,
  metricsPort,
  readCommonConfig,
  readStallAfterMs,
} from "../../config/common.ts";
import {
  bool,
  ConfigError,
  type Env,
  integer,
  list,
  optionalText,
  text,
} from "../../config/env.ts";
import { MIN_ORDER_ID_SECRET_LENGTH } from "../../adapters/ids/order_ids.ts";
import type { CustomerTokenSettings } from "../../adapters/auth/customer_tokens.ts";

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
  /** The most CreateOrder calls processed at once; beyond the limit callers get UNAVAILABLE at once (shed load). */
  readonly maxInFlight: number;
  /** The quickest CreateOrder of a busy 100 ms slower than this: the in-flight limit is cut. */
  readonly shedTargetMs: number;
  /** CreateOrder calls allowed per customer id, and per phone, in each window. */
  readonly rateLimit: { readonly points: number; readonly windowSeconds: number };
  /** TLS for gRPC: certificate and key; with a client CA, clients must present a certificate (mTLS). */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
  };
  /** How callers prove which customer they are (docs/security.md). */
  readonly customerAuth: CustomerAuthConfig;
  /** Key of the HMAC that turns customer and idempotency key into an order id. */
  readonly orderIdSecret: string;
  readonly limits: IntakeLimits;
  readonly http2: Http2Limits;
  readonly watch: WatchLimits;
  /** NOT_SERVING (not live) once a Kafka produce request has been in flight this long. */
  readonly stallAfterMs: number;
}

export interface CustomerAuthConfig {
  /** Customer JWTs, verified against the chain's key set (a JWKS file or URL); absent: refused. */
  readonly jwt?: CustomerTokenSettings & {
    readonly jwksFile?: string;
    readonly jwksUrl?: string;
  };
  /**
   * Client certificate subjects (their CN, or the whole subject as "CN=…,O=…") of trusted
   * backends-for-frontend, which name the customer in the `customer-id` metadata (needs mTLS).
   */
  readonly trustedBackends: readonly string[];
  /** The seed's anonymous callers (customer_id taken from the body): trusted networks only. */
  readonly anonymous: boolean;
  /** Proxies (CIDRs) whose x-forwarded-for names the client, for per-peer limits. */
  readonly trustedProxies: readonly string[];
}

export interface IntakeLimits {
  /** New bookings per peer (client address) per window, across all intake replicas. */
  readonly peerOrders: { readonly points: number; readonly windowSeconds: number };
  /** Orders one customer may have booked and not yet cooked; 0 = no cap. */
  readonly maxOpenOrders: number;
  /** Share (percent) of a slot's capacity one customer's open orders may hold. */
  readonly slotSharePercent: number;
  /** OrderService calls per second per connection, and per peer (this replica), sustained. */
  readonly callsPerSecondPerConnection: number;
  readonly callsPerSecondPerPeer: number;
  /** Failed lookups (not found, not yours) per customer and per peer, in each window. */
  readonly lookupMisses: { readonly points: number; readonly windowSeconds: number };
}

export interface Http2Limits {
  readonly maxConcurrentStreams: number;
  readonly maxConnectionAgeMs: number;
  readonly maxConnectionAgeGraceMs: number;
  readonly maxConnectionIdleMs: number;
}

export interface WatchLimits {
  readonly perConnection: number;
  readonly perOrder: number;
  readonly total: number;
  readonly maxDurationMs: number;
}

export function readIntakeConfig(env: Env = Deno.env.toObject()): IntakeConfig {
  const tls = tlsConfig(env);
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
    maxInFlight: integer(env, "INTAKE_MAX_IN_FLIGHT", 600, { min: 1, max: 100_000 }),
    shedTargetMs: integer(env, "INTAKE_SHED_TARGET_MS", 100, { min: 1, max: 60_000 }),
    rateLimit: {
      points: integer(env, "RATE_LIMIT_ORDERS", 20, { min: 1, max: 1_000_000 }),
      windowSeconds: integer(env, "RATE_LIMIT_WINDOW_S", 60, { min: 1, max: 86_400 }),
    },
    tls,
    customerAuth: customerAuthConfig(env, tls),
    orderIdSecret: orderIdSecret(env),
    limits: {
      peerOrders: {
        points: integer(env, "PEER_RATE_LIMIT_ORDERS", 60, { min: 1, max: 1_000_000 }),
        windowSeconds: integer(env, "PEER_RATE_LIMIT_WINDOW_S", 60, { min: 1, max: 86_400 }),
      },
      maxOpenOrders: integer(env, "MAX_OPEN_ORDERS_PER_CUSTOMER", 3, { min: 0, max: 1_000 }),
      slotSharePercent: integer(env, "CUSTOMER_SLOT_SHARE_PERCENT", 25, { min: 1, max: 100 }),
      callsPerSecondPerConnection: integer(env, "GRPC_CALLS_PER_S_PER_CONNECTION", 20, {
        min: 1,
        max: 1_000_000,
      }),
      callsPerSecondPerPeer: integer(env, "GRPC_CALLS_PER_S_PER_PEER", 100, {
        min: 1,
        max: 1_000_000,
      }),
      lookupMisses: {
        points: integer(env, "LOOKUP_MISSES_LIMIT", 20, { min: 1, max: 1_000_000 }),
        windowSeconds: integer(env, "LOOKUP_MISSES_WINDOW_S", 300, { min: 1, max: 86_400 }),
      },
    },
    http2: {
      maxConcurrentStreams: integer(env, "GRPC_MAX_CONCURRENT_STREAMS", 100, {
        min: 1,
        max: 10_000,
      }),
      maxConnectionAgeMs: seconds(env, "GRPC_MAX_CONNECTION_AGE_S", 1_800),
      maxConnectionAgeGraceMs: seconds(env, "GRPC_MAX_CONNECTION_AGE_GRACE_S", 900),
      maxConnectionIdleMs: seconds(env, "GRPC_MAX_CONNECTION_IDLE_S", 300),
    },
    watch: {
      perConnection: integer(env, "WATCH_MAX_PER_CONNECTION", 16, { min: 1, max: 10_000 }),
      perOrder: integer(env, "WATCH_MAX_PER_ORDER", 8, { min: 1, max: 10_000 }),
      total: integer(env, "WATCH_MAX_TOTAL", 10_000, { min: 1, max: 1_000_000 }),
      maxDurationMs: seconds(env, "WATCH_MAX_DURATION_S", 900),
    },
  };
}

function seconds(env: Env, name: string, fallback: number): number {
  return integer(env, name, fallback, { min: 1, max: 7 * 86_400 }) * 1000;
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

function customerAuthConfig(env: Env, tls: IntakeConfig["tls"]): CustomerAuthConfig {
  const jwksFile = optionalText(env, "CUSTOMER_JWKS_FILE");
  const jwksUrl = optionalText(env, "CUSTOMER_JWKS_URL");
  if (jwksFile && jwksUrl) {
    throw new ConfigError("set CUSTOMER_JWKS_FILE or CUSTOMER_JWKS_URL, not both");
  }
  const jwt = jwksFile || jwksUrl
    ? {
      jwksFile,
      jwksUrl,
      issuer: text(env, "CUSTOMER_JWT_ISSUER"),
      audience: text(env, "CUSTOMER_JWT_AUDIENCE"),
      algorithms: list(env, "CUSTOMER_JWT_ALGORITHMS", ["ES256", "RS256", "PS256", "EdDSA"]),
      customerClaim: text(env, "CUSTOMER_JWT_CLAIM", "sub"),
      maxLifetimeSeconds: integer(env, "CUSTOMER_JWT_MAX_LIFETIME_S", 86_400, {
        min: 60,
        max: 30 * 86_400,
      }),
      clockSkewSeconds: integer(env, "CUSTOMER_JWT_CLOCK_SKEW_S", 60, { min: 0, max: 600 }),
    }
    : undefined;
  for (const alg of jwt?.algorithms ?? []) {
    if (alg === "none" || alg.startsWith("HS")) {
      throw new ConfigError(
        `CUSTOMER_JWT_ALGORITHMS: ${alg} is not accepted (customer tokens are signed with the ` +
          `identity provider's private key, e.g. ES256 or RS256)`,
      );
    }
  }
  // ";"-separated: a whole subject ("CN=bff,O=Chain") has commas of its own.
  const trustedBackends = (optionalText(env, "TRUSTED_BFF_SUBJECTS") ?? "").split(";")
    .map((s) => s.trim()).filter((s) => s !== "");
  if (trustedBackends.length > 0 && !tls?.clientCaFile) {
    throw new ConfigError(
      "TRUSTED_BFF_SUBJECTS needs mutual TLS: set GRPC_TLS_CLIENT_CA_FILE (and the server's " +
        "GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE)",
    );
  }
  const anonymous = bool(env, "ALLOW_ANONYMOUS_CUSTOMERS", false);
  if (!jwt && trustedBackends.length === 0 && !anonymous) {
    throw new ConfigError(
      "intake needs a way to know its customers: CUSTOMER_JWKS_FILE or CUSTOMER_JWKS_URL " +
        "(customer tokens), TRUSTED_BFF_SUBJECTS (a backend-for-frontend over mutual TLS), or " +
        "ALLOW_ANONYMOUS_CUSTOMERS=true (trusted networks only: the request's customer_id is " +
        "believed)",
    );
  }
  return {
    jwt,
    trustedBackends,
    anonymous,
    trustedProxies: list(env, "INTAKE_TRUSTED_PROXIES", []),
  };
}

function orderIdSecret(env: Env): string {
  const secret = text(env, "ORDER_ID_SECRET");
  if (secret.length < MIN_ORDER_ID_SECRET_LENGTH) {
    throw new ConfigError(
      `ORDER_ID_SECRET must be at least ${MIN_ORDER_ID_SECRET_LENGTH} characters`,
    );
  }
  return secret;
}
