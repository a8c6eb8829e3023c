/**
 * Private CAs of external Redis and PostgreSQL (redis.external.caSecret,
 * postgres.external.caSecret): each Secret's ca.crt mounted where the services' REDIS_TLS_CA_FILE
 * and DATABASE_TLS_CA_FILE point. Without one, Deno trusts only the public CAs it bundles.
 */
import { and, type Expr, ifElse, lit, not, v, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { pgOperator, redisInRelease } from "./endpoints.ts";
import { ref } from "../values.ts";

interface PrivateCa {
  /** Whether the chart mounts it. */
  readonly on: Expr<boolean>;
  readonly secret: Expr<string>;
  readonly volume: string;
  readonly dir: string;
}

const CAS = {
  redis: {
    on: and(not(redisInRelease), ref("redis.external.caSecret")),
    secret: ref("redis.external.caSecret"),
    volume: "redis-ca",
    dir: "/etc/ovenline/redis-ca",
  },
  postgres: {
    on: and(not(pgOperator), ref("postgres.external.caSecret")),
    secret: ref("postgres.external.caSecret"),
    volume: "postgres-ca",
    dir: "/etc/ovenline/postgres-ca",
  },
} satisfies Record<string, PrivateCa>;

export type CaOf = keyof typeof CAS;

/** The CA file's path in the container, or "" without one (REDIS_/DATABASE_TLS_CA_FILE). */
export function caFile(of: CaOf): Expr<string> {
  return ifElse(CAS[of].on, lit(`${CAS[of].dir}/ca.crt`), lit(""));
}

/** The CA Secret as a volume (not optional: a named CA that is missing stops the pod). */
export function caVolume(of: CaOf): k.IVolume {
  const ca = CAS[of];
  return when(ca.on, {
    name: ca.volume,
    secret: { secretName: v(ca.secret), items: [{ key: "ca.crt", path: "ca.crt" }] },
  });
}

export function caMount(of: CaOf): k.IVolumeMount {
  const ca = CAS[of];
  return when(ca.on, { name: ca.volume, mountPath: ca.dir, readOnly: true });
}

/** DATABASE_TLS_CA_FILE as a container's own variable (for pods without a ConfigMap). */
export function databaseCaEnv(): k.IEnvVar {
  return { name: "DATABASE_TLS_CA_FILE", value: v(caFile("postgres")) };
}
