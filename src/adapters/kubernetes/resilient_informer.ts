/**
 * A client-node informer (list, then watch, with a local cache) that keeps itself alive:
 *
 * - client-node's informer re-watches when the server ends a watch normally and relists after
 *   410 Gone, but stops for good on any other error (API server away, connection reset): then a
 *   new informer is started after an exponential backoff;
 * - a watch whose connection dies without a word (a silent network partition) would wait for
 *   ever — client-node sets no timeout on it — so the informer is also replaced every
 *   `rewatchMs` (jittered), as client-go bounds its watches with timeoutSeconds.
 *
 * Each restart makes a new informer rather than calling start() again on the old one: the old
 * one's watch, once aborted, calls back into it and would abort a request started meanwhile.
 * Callbacks of replaced informers are ignored, and stop()'s AbortError is not a failure.
 *
 * A heartbeat, when given, hears of it all: each list is an operation that must finish within
 * the stall limit (a list that hangs), a failure is waiting (the API server away, or refusing),
 * a completed list is progress, and a stopped informer has nothing to do.
 */
import * as k8s from "@kubernetes/client-node";
import type { Heartbeat, Operation } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";
import { kubeErrorText } from "./kube_config.ts";

export interface InformerHandlers<T> {
  /** Added, changed, or listed again by a new informer. */
  onUpsert(obj: T): void;
  onDelete(obj: T): void;
  /** Listed after a start or restart: the cache is complete. */
  onSynced?(): void;
}

export interface ResilientInformerOptions {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Replace the informer (a fresh list and watch) this often; default 5 minutes. */
  readonly rewatchMs?: number;
  readonly heartbeat?: Heartbeat;
}

type Informer<T extends k8s.KubernetesObject> = k8s.Informer<T> & k8s.ObjectCache<T>;

export class ResilientInformer<T extends k8s.KubernetesObject> {
  #current: Informer<T> | undefined;
  #generation = 0;
  #stopped = true;
  #failures = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #rewatchTimer: ReturnType<typeof setTimeout> | undefined;
  #synced = false;
  #listing: Operation | undefined;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly path: string,
    private readonly listAll: () => Promise<k8s.KubernetesListObject<T>>,
    private readonly handlers: InformerHandlers<T>,
    private readonly logger: Logger,
    private readonly options: ResilientInformerOptions = {},
  ) {}

  /** Whether the current informer's cache has been filled by a list. */
  get synced(): boolean {
    return this.#synced;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#current?.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#current?.list(namespace) ?? [];
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#failures = 0;
    await this.#replace();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#rewatchTimer);
    const current = this.#current;
    this.#current = undefined;
    this.#synced = false;
    this.#listed();
    this.options.heartbeat?.progressed(); // nothing to watch
    await current?.stop();
  }

  /** The list in flight (if any) has ended. */
  #listed(): void {
    this.#listing?.done();
    this.#listing = undefined;
  }

  /** Starts a new informer and stops the one before it. */
  async #replace(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const previous = this.#current;
    const live = () => generation === this.#generation && !this.#stopped;
    this.#listed();
    this.#listing = this.options.heartbeat?.busy(`listing ${this.path}`);
    const informer = k8s.makeInformer<T>(this.kc, this.path, async () => {
      const listed = await this.listAll();
      // The informer applies the list synchronously after this promise settles: a macrotask
      // later its cache is complete.
      setTimeout(() => {
        if (!live()) return;
        this.#failures = 0;
        this.#synced = true;
        this.#listed();
        this.options.heartbeat?.progressed();
        this.handlers.onSynced?.();
      }, 0);
      return listed;
    });
    informer.on("add", (obj) => live() && this.handlers.onUpsert(obj));
    informer.on("update", (obj) => live() && this.handlers.onUpsert(obj));
    informer.on("delete", (obj) => live() && this.handlers.onDelete(obj));
    informer.on("error", (error) => live() && this.#onError(error));
    this.#current = informer;
    this.#synced = false;
    clearTimeout(this.#rewatchTimer);
    const { rewatchMs = 300_000 } = this.options;
    this.#rewatchTimer = setTimeout(
      () => void this.#replace(),
      rewatchMs * (0.75 + Math.random() / 2),
    );
    await previous?.stop();
    try {
      await informer.start();
    } catch (error) {
      if (live()) this.#onError(error);
    }
  }

  #onError(error: unknown): void {
    if (this.#stopped || isAbort(error)) return;
    const { minBackoffMs = 200, maxBackoffMs = 10_000 } = this.options;
    const delay = Math.min(minBackoffMs * 2 ** this.#failures, maxBackoffMs);
    this.#failures++;
    this.#listed();
    this.options.heartbeat?.waiting(`watching ${this.path} failed: ${kubeErrorText(error)}`);
    this.logger.warn("watching failed; restarting", {
      error: kubeErrorText(error),
      retryInMs: delay,
      failures: this.#failures,
    });
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#rewatchTimer);
    this.#restartTimer = setTimeout(() => void this.#replace(), delay);
  }
}

function isAbort(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as { name?: string }).name === "AbortError";
}
