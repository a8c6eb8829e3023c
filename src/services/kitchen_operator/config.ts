/** The Kitchen operator's configuration, read once from the environment. */
import type { KubeSettings } from "../../adapters/kubernetes/kube_config.ts";
import type { LeaseSettings } from "../../adapters/kubernetes/leader_lease.ts";
import type { RedisSettings } from "../../adapters/redis/client.ts";
import { readStallAfterMs, redisSettings } from "../../config/common.ts";
import { ConfigError, type Env, integer, optionalText, text } from "../../config/env.ts";
import { databaseUrl } from "../../config/tls_ca.ts";

export interface KitchenOperatorConfig {
  readonly logLevel: string | undefined;
  readonly databaseUrl: string;
  readonly redis: RedisSettings;
  readonly kube: KubeSettings;
  /** The namespace whose Kitchen resources are reconciled (the release's own). */
  readonly namespace: string;
  readonly lease: LeaseSettings;
  /** Every Kitchen is reconciled again this often (today's load, drift in PostgreSQL). */
  readonly resyncMs: number;
  readonly healthPort: number;
  /** Not live once a list of Kitchens or a reconcile has been in flight this long. */
  readonly stallAfterMs: number;
}

export function readKitchenOperatorConfig(env: Env = Deno.env.toObject()): KitchenOperatorConfig {
  const namespace = text(env, "KITCHEN_NAMESPACE", "default");
  const leaseDurationS = integer(env, "LEASE_DURATION_S", 15, { min: 2, max: 300 });
  const renewMs = integer(env, "LEASE_RENEW_MS", 5_000, { min: 100, max: 100_000 });
  const renewDeadlineMs = integer(
    env,
    "LEASE_RENEW_DEADLINE_MS",
    Math.floor(leaseDurationS * 1000 * 2 / 3),
    { min: 100, max: 299_000 },
  );
  if (renewDeadlineMs >= leaseDurationS * 1000 || renewMs >= renewDeadlineMs) {
    throw new ConfigError(
      "LEASE_RENEW_MS < LEASE_RENEW_DEADLINE_MS < LEASE_DURATION_S (in ms) must hold " +
        `(got ${renewMs}, ${renewDeadlineMs}, ${leaseDurationS * 1000})`,
    );
  }
  return {
    logLevel: optionalText(env, "LOG_LEVEL"),
    databaseUrl: databaseUrl(env),
    redis: redisSettings(env),
    kube: { kubeconfigPath: optionalText(env, "KUBECONFIG") },
    namespace,
    lease: {
      namespace,
      name: text(env, "LEASE_NAME", "ovenline-kitchen-operator"),
      identity: text(env, "POD_NAME", `${Deno.hostname()}-${Deno.pid}`),
      leaseDurationS,
      renewMs,
      retryMs: integer(env, "LEASE_RETRY_MS", 2_000, { min: 100, max: 60_000 }),
      renewDeadlineMs,
    },
    resyncMs: integer(env, "KITCHEN_RESYNC_MS", 30_000, { min: 500, max: 3_600_000 }),
    healthPort: integer(env, "KITCHEN_OPERATOR_HEALTH_PORT", 8083, { min: 0, max: 65_535 }),
    stallAfterMs: readStallAfterMs(env, 60_000),
  };
}

/** File mode (apply_cli.ts): only where the live configuration is. */
export function readKitchenFilesConfig(env: Env = Deno.env.toObject()): { databaseUrl: string } {
  return { databaseUrl: databaseUrl(env) };
}
