/**
 * The Kitchen controller: watches the Kitchen resources of one namespace (an informer, restarted
 * with backoff after errors) and reconciles each one — on every change, after every (re)list, and
 * every `resyncMs` — into the live kitchen configuration in PostgreSQL, then writes its status.
 *
 * Reconciling a Kitchen:
 * 1. being deleted (deletionTimestamp) with our finalizer: stop the kitchen accepting orders
 *    (acceptingOrders=false; accepted orders stay), then remove the finalizer so the API server
 *    can delete it;
 * 2. otherwise make sure our finalizer is on it, check the spec with the domain's rules, and save
 *    it when it differs from PostgreSQL (NOTIFY: intake, the scheduler and the hub reload);
 *    an invalid spec writes nothing and is reported as condition Invalid;
 * 3. write status: observedGeneration, Ready / Invalid, appliedVersion, and today's booked load
 *    from Redis — only when something but the reading's time changed.
 *
 * Only the leader (see leader_lease.ts) runs a controller: start() and stop() follow leadership.
 */
import type * as k8s from "@kubernetes/client-node";
import type { KitchenApi } from "../../adapters/kubernetes/kitchen_api.ts";
import {
  KITCHEN_FINALIZER,
  type KitchenResource,
} from "../../adapters/kubernetes/kitchen_resource.ts";
import { kubeErrorText } from "../../adapters/kubernetes/kube_config.ts";
import { ResilientInformer } from "../../adapters/kubernetes/resilient_informer.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import { isKitchenId } from "../../domain/kitchen_config.ts";
import type { Logger } from "../../observability/logger.ts";
import { applyKitchen, type KitchenStore, stopAcceptingOrders } from "./apply_kitchen.ts";
import {
  nextStatus,
  type ReconcileResult,
  sameStatus,
  todayLoad,
  violationsText,
} from "./kitchen_status.ts";
import { KeyedWorkQueue } from "./work_queue.ts";

export interface KitchenControllerDeps {
  readonly kc: k8s.KubeConfig;
  readonly api: Pick<KitchenApi, "namespace" | "path" | "list" | "setFinalizers" | "patchStatus">;
  readonly store: KitchenStore;
  /** Booked load per slot id (Redis `slot:{kitchen}:{epoch}`). */
  readonly slotLoads: (slotIds: readonly string[]) => Promise<number[]>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly resyncMs: number;
  /** Backoff of a failed reconcile (default 250 ms doubling to 30 s). */
  readonly retry?: { readonly minBackoffMs?: number; readonly maxBackoffMs?: number };
  /** The informer is replaced (fresh list and watch) this often; default 5 minutes. */
  readonly rewatchMs?: number;
  /** Hears of the informer's lists and failures and of every reconcile (a hang shows). */
  readonly heartbeat?: Heartbeat;
}

export class KitchenController {
  readonly #informer: ResilientInformer<KitchenResource>;
  readonly #queue: KeyedWorkQueue;
  #resync: ReturnType<typeof setInterval> | undefined;
  #running = false;
  /** Generation last reported invalid per kitchen, so the log says it once. */
  readonly #reportedInvalid = new Map<string, number | undefined>();

  constructor(private readonly deps: KitchenControllerDeps) {
    const logger = deps.logger;
    this.#queue = new KeyedWorkQueue((name) => this.reconcile(name), logger, {
      ...deps.retry,
      heartbeat: deps.heartbeat,
    });
    this.#informer = new ResilientInformer<KitchenResource>(
      deps.kc,
      deps.api.path,
      () => deps.api.list(),
      {
        onUpsert: (obj) => this.#enqueue(obj),
        onDelete: (obj) => this.#reportedInvalid.delete(obj.metadata?.name ?? ""),
        onSynced: () => this.#enqueueAll(),
      },
      logger,
      { rewatchMs: deps.rewatchMs, heartbeat: deps.heartbeat },
    );
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#queue.restart();
    await this.#informer.start();
    // A restarted informer may resume its watch without listing again: reconcile what it holds.
    this.#enqueueAll();
    this.#resync = setInterval(() => this.#enqueueAll(), this.deps.resyncMs);
    this.deps.logger.info("reconciling Kitchens", { namespace: this.deps.api.namespace });
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#resync);
    this.#resync = undefined;
    await this.#informer.stop();
    await this.#queue.stop();
    this.deps.logger.info("stopped reconciling Kitchens", { namespace: this.deps.api.namespace });
  }

  /** Reconciles the Kitchen `name` as the informer's cache has it (nothing if it is gone). */
  async reconcile(name: string): Promise<void> {
    const resource = this.#informer.get(name, this.deps.api.namespace);
    if (!resource || !this.#running) return;
    const finalizers = resource.metadata?.finalizers ?? [];
    if (resource.metadata?.deletionTimestamp) {
      if (finalizers.includes(KITCHEN_FINALIZER)) await this.#finalize(resource, finalizers);
      return;
    }
    if (!finalizers.includes(KITCHEN_FINALIZER)) {
      await this.deps.api.setFinalizers(resource, [...finalizers, KITCHEN_FINALIZER]);
    }

    const generation = resource.metadata?.generation;
    let result: ReconcileResult;
    let config: KitchenConfig | undefined;
    let failure: unknown;
    try {
      const outcome = await applyKitchen(resource, this.deps.store);
      if (outcome.kind === "invalid") {
        result = { kind: "invalid", violations: outcome.violations };
        if (this.#reportedInvalid.get(name) !== generation) {
          this.#reportedInvalid.set(name, generation);
          this.deps.logger.warn("Kitchen is invalid; not applied", {
            kitchen: name,
            generation,
            problems: violationsText(outcome.violations),
          });
        }
      } else {
        this.#reportedInvalid.delete(name);
        config = outcome.record.config;
        result = {
          kind: "applied",
          version: outcome.record.version,
          changed: outcome.kind === "applied",
        };
        if (outcome.kind === "applied") {
          this.deps.logger.info("Kitchen applied", {
            kitchen: name,
            generation,
            version: outcome.record.version,
          });
        }
      }
    } catch (error) {
      failure = error;
      result = { kind: "failed", message: `applying failed: ${kubeErrorText(error)}` };
    }

    const now = this.deps.now();
    let today;
    if (config) {
      try {
        today = await todayLoad(config, now, this.deps.slotLoads);
      } catch (error) {
        this.deps.logger.debug("reading today's load failed; keeping the last reading", {
          kitchen: name,
          error,
        });
      }
    }
    const status = nextStatus(resource.status, generation, result, today, now);
    if (!sameStatus(resource.status, status)) await this.deps.api.patchStatus(name, status);
    if (failure !== undefined) throw failure;
  }

  async #finalize(resource: KitchenResource, finalizers: readonly string[]): Promise<void> {
    const name = resource.metadata!.name!;
    if (isKitchenId(name)) {
      const changed = await stopAcceptingOrders(name, this.deps.store);
      this.deps.logger.info("Kitchen deleted; the kitchen takes no new orders", {
        kitchen: name,
        changed,
      });
    }
    await this.deps.api.setFinalizers(resource, finalizers.filter((f) => f !== KITCHEN_FINALIZER));
    this.#reportedInvalid.delete(name);
  }

  #enqueue(obj: KitchenResource): void {
    const name = obj.metadata?.name;
    if (name && this.#running) this.#queue.add(name);
  }

  #enqueueAll(): void {
    for (const obj of this.#informer.list(this.deps.api.namespace)) this.#enqueue(obj);
  }
}
