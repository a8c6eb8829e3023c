/**
 * A client-node informer (list, then watch, with a local cache) that restarts itself after an
 * error with exponential backoff. client-node's informer re-watches when the server ends a watch
 * normally and relists after 410 Gone, but stops for good on any other error (API server away,
 * connection reset); and its stop() reports an AbortError, which is not a failure here.
 */
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../../observability/logger.ts";
import { kubeErrorText } from "./kube_config.ts";

export interface InformerHandlers<T> {
  /** Added, changed, or (after a relist) still present. */
  onUpsert(obj: T): void;
  onDelete(obj: T): void;
  /** Listed (again) after a start or restart: the cache is complete. */
  onSynced?(): void;
}

export interface ResilientInformerOptions {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class ResilientInformer<T extends k8s.KubernetesObject> {
  readonly #informer: k8s.Informer<T> & k8s.ObjectCache<T>;
  #stopped = true;
  #failures = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #synced = false;

  constructor(
    kc: k8s.KubeConfig,
    path: string,
    list: () => Promise<k8s.KubernetesListObject<T>>,
    handlers: InformerHandlers<T>,
    private readonly logger: Logger,
    private readonly options: ResilientInformerOptions = {},
  ) {
    this.#informer = k8s.makeInformer<T>(kc, path, async () => {
      const listed = await list();
      // A successful list resets the backoff; onSynced runs once the informer has applied it
      // (synchronously after this promise settles, so a macrotask later).
      this.#failures = 0;
      setTimeout(() => {
        if (this.#stopped) return;
        this.#synced = true;
        handlers.onSynced?.();
      }, 0);
      return listed;
    });
    this.#informer.on("add", (obj) => handlers.onUpsert(obj));
    this.#informer.on("update", (obj) => handlers.onUpsert(obj));
    this.#informer.on("delete", (obj) => handlers.onDelete(obj));
    this.#informer.on("error", (error) => this.#onError(error));
  }

  /** Whether the cache has been filled by a list since start. */
  get synced(): boolean {
    return this.#synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#informer.list(namespace);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#synced = false;
    try {
      await this.#informer.start();
    } catch (error) {
      this.#onError(error);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    await this.#informer.stop();
  }

  #onError(error: unknown): void {
    if (this.#stopped || isAbort(error)) return;
    const { minBackoffMs = 200, maxBackoffMs = 10_000 } = this.options;
    const delay = Math.min(minBackoffMs * 2 ** this.#failures, maxBackoffMs);
    this.#failures++;
    this.logger.warn("watching failed; restarting", {
      error: kubeErrorText(error),
      retryInMs: delay,
      failures: this.#failures,
    });
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped) return;
      this.#informer.start().catch((e) => this.#onError(e));
    }, delay);
  }
}

function isAbort(error: unknown): boolean {
  return (error instanceof Error || (typeof error === "object" && error !== null)) &&
    (error as { name?: string }).name === "AbortError";
}
