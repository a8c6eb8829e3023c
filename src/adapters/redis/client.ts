/** ioredis connections that fail fast: a caller waiting on a dead Redis answers UNAVAILABLE instead. */
import { Redis } from "ioredis";

export interface RedisSettings {
  readonly url: string;
  readonly password?: string;
  /** PEM of the CA that signed a rediss:// server's certificate (a private CA). */
  readonly tlsCa?: string;
  readonly commandTimeoutMs?: number;
  /** Send the commands issued in one tick as one write (many concurrent callers, e.g. intake). */
  readonly autoPipelining?: boolean;
}

export function createRedis(settings: RedisSettings, name: string): Redis {
  return new Redis(settings.url, {
    connectionName: name,
    password: settings.password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: settings.commandTimeoutMs ?? 3000,
    enableAutoPipelining: settings.autoPipelining ?? false,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    // rediss:// alone trusts the public CAs Deno bundles; a private CA is given here.
    ...(settings.tlsCa ? { tls: { ca: settings.tlsCa } } : {}),
  });
}

/**
 * Connects, retrying until Redis answers (services start before their dependencies in
 * Kubernetes); `onFailure` hears of each failed try.
 */
export async function connectRedis(
  redis: Redis,
  signal?: AbortSignal,
  onFailure?: (error: unknown) => void,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      if (redis.status === "wait" || redis.status === "end") await redis.connect();
      else if (redis.status !== "ready") await new Promise((r) => setTimeout(r, 200));
      if (redis.status === "ready") {
        await redis.ping();
        return;
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      onFailure?.(error);
      await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2000)));
    }
  }
}
