/**
 * Redis in the release: one StatefulSet with an append-only file on its volume and a password
 * (the chart's Secret or an existing one), its Service and ServiceAccount.
 */
import { cat, div, lit, mul, v, valueRef } from "../expr.ts";
import { mebibytes } from "../helpers.ts";
import type * as k from "../k8s_types.ts";
import { redisInRelease, redisPassword } from "../endpoints.ts";
import { n, objectMeta, selector } from "../names.ts";
import {
  CONTAINER_SECURITY,
  imageOf,
  podTemplate,
  resources,
  secretEnv,
  TMP_MOUNT,
  TMP_VOLUME,
  volumeClaimSpec,
} from "../pods.ts";
import type { Add } from "../render.ts";
import { clusterService, serviceAccount } from "../workloads.ts";
import { ref } from "../../values.ts";

/** The uid/gid of the `redis` user in the official redis image. */
const REDIS_UID = 999;
const component = "redis";

/**
 * Redis's memory cap: two thirds of the container's limit, leaving room for the copy-on-write
 * pages of an append-only-file rewrite. At the cap Redis refuses writes (noeviction) rather than
 * drop keys: an evicted slot count would oversell a slot, an evicted order would vanish from the
 * KDS. intake then answers UNAVAILABLE (nothing accepted), and the consumer retries its batch
 * (lag grows; the orders are safe in Kafka and PostgreSQL) until memory is freed or raised.
 */
export const maxMemoryMiB = div(
  mul(mebibytes(valueRef("redis.resources.limits.memory", "str")), 2),
  lit(3),
);

/**
 * The password goes in on stdin, so it is in neither the pod spec nor the process list; a `"` or
 * `\` in it is escaped for Redis's configuration syntax (a double-quoted string).
 */
const start = () =>
  cat(
    "pass=$(printf '%s' \"$REDIS_PASSWORD\" | sed 's/[\\\\\"]/\\\\&/g')\n",
    "exec redis-server --port 6379 --dir /data --appendonly yes --appendfsync everysec",
    " --save '' --protected-mode no --maxmemory ",
    maxMemoryMiB,
    'mb --maxmemory-policy noeviction - <<EOF\nrequirepass "$pass"\nEOF',
  );
const PING = 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 ping | grep -q PONG';

export function redis(add: Add): void {
  serviceAccount(add, component, redisInRelease);

  add(
    "redis-statefulset",
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: objectMeta(component),
      spec: {
        replicas: 1,
        serviceName: n(`${component}-headless`),
        selector: { matchLabels: selector(component) },
        template: podTemplate(component, REDIS_UID, {
          containers: [{
            name: "redis",
            image: imageOf("redis.image"),
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", v(start())],
            env: [secretEnv("REDIS_PASSWORD", redisPassword)],
            ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
            startupProbe: {
              tcpSocket: { port: "redis" },
              periodSeconds: 2,
              failureThreshold: 60,
            },
            livenessProbe: {
              tcpSocket: { port: "redis" },
              periodSeconds: 10,
              failureThreshold: 3,
            },
            readinessProbe: {
              exec: { command: ["sh", "-c", PING] },
              periodSeconds: 5,
              timeoutSeconds: 3,
              failureThreshold: 2,
            },
            resources: resources(ref("redis.resources")),
            securityContext: CONTAINER_SECURITY,
            volumeMounts: [{ name: "data", mountPath: "/data" }, TMP_MOUNT],
          }],
          volumes: [TMP_VOLUME],
        }),
        volumeClaimTemplates: [{
          metadata: { name: "data" },
          spec: volumeClaimSpec(ref("redis.storage.size"), ref("redis.storage.storageClass")),
        }],
      },
    } satisfies k.IStatefulSet,
    redisInRelease,
  );

  clusterService(add, component, [{ name: "redis", port: 6379 }], redisInRelease);
  // The StatefulSet's governing Service (its pods' DNS names): headless.
  add(
    "redis-headless-service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: objectMeta(component, `${component}-headless`),
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: selector(component),
        ports: [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }],
      },
    } satisfies k.IService,
    redisInRelease,
  );
}
