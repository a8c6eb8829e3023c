/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 *
 * - a candidate reads the Lease every `retryMs`; it takes the Lease when there is none, when it is
 *   released (no holder), or when its record (holder, renewTime, resourceVersion) has not changed
 *   for `leaseDurationS` as measured by this process's clock (so clock skew between replicas does
 *   not matter);
 * - the leader renews every `renewMs`; every write is a replace carrying the resourceVersion read,
 *   so of two replicas racing for one Lease exactly one wins (the other gets 409 Conflict);
 * - a leader that has not renewed for `renewDeadlineMs` (less than the lease duration) stops
 *   leading before anyone else may take over, and so does one that finds another holder;
 * - on shutdown, `run(signal, { release: true })` hands the Lease over at once (no holder).
 *
 * onStartedLeading / onStoppedLeading are called in turn, never overlapping.
 */
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "../../observability/logger.ts";
import { httpStatusOf, kubeErrorText } from "./kube_config.ts";

export interface LeaseSettings {
  readonly namespace: string;
  readonly name: string;
  /** This replica's name in the Lease (the pod name). */
  readonly identity: string;
  readonly leaseDurationS: number;
  readonly renewMs: number;
  readonly retryMs: number;
  /** Stop leading when the last successful renewal is this old; must be below the duration. */
  readonly renewDeadlineMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void | Promise<void>;
  onStoppedLeading(): void | Promise<void>;
}

type LeaseApi = Pick<
  k8s.CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

interface Observed {
  readonly key: string;
  readonly at: number;
}

export class LeaderLease {
  #leading = false;
  #lastRenew = 0;
  #observed: Observed | undefined;
  #lastContactOk = false;
  #transitions: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: LeaseApi,
    private readonly settings: LeaseSettings,
    private readonly callbacks: LeaderCallbacks,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    if (settings.renewDeadlineMs >= settings.leaseDurationS * 1000) {
      throw new RangeError("the renew deadline must be shorter than the lease duration");
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Whether the last read or write of the Lease reached the API server. */
  get apiReachable(): boolean {
    return this.#lastContactOk;
  }

  /**
   * Campaigns and renews until `signal` aborts; then stops leading (waiting for
   * onStoppedLeading) and, with `release`, hands the Lease over at once.
   */
  async run(signal: AbortSignal, opts: { release?: boolean } = {}): Promise<void> {
    while (!signal.aborted) {
      await this.tick();
      const wait = this.#leading ? this.settings.renewMs : this.settings.retryMs;
      await sleep(wait, signal);
    }
    const wasLeading = this.#leading;
    await this.#setLeading(false);
    await this.#transitions;
    if (wasLeading && opts.release) await this.#release();
  }

  /** One attempt to acquire or renew; exposed for tests. */
  async tick(): Promise<void> {
    let held: boolean;
    try {
      held = await this.#tryAcquireOrRenew();
      this.#lastContactOk = true;
    } catch (error) {
      this.#lastContactOk = false;
      this.logger.warn("reading or writing the leader Lease failed", {
        lease: this.settings.name,
        error: kubeErrorText(error),
      });
      held = false;
    }
    if (held) {
      this.#lastRenew = this.now();
      await this.#setLeading(true);
    } else if (this.#leading && this.now() - this.#lastRenew >= this.settings.renewDeadlineMs) {
      this.logger.warn("could not renew the leader Lease in time; stepping down", {
        lease: this.settings.name,
      });
      await this.#setLeading(false);
    }
  }

  /** Gives the Lease up if this replica still holds it (graceful shutdown). */
  async #release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({
        name: this.settings.name,
        namespace: this.settings.namespace,
      });
      if (lease.spec?.holderIdentity !== this.settings.identity) return;
      const stamp = new k8s.V1MicroTime(this.now());
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: stamp,
      };
      await this.api.replaceNamespacedLease({
        name: this.settings.name,
        namespace: this.settings.namespace,
        body: lease,
      });
      this.logger.info("released the leader Lease", { lease: this.settings.name });
    } catch (error) {
      this.logger.warn("releasing the leader Lease failed; it expires by itself", {
        lease: this.settings.name,
        error: kubeErrorText(error),
      });
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity, leaseDurationS } = this.settings;
    const now = this.now();
    const stamp = new k8s.V1MicroTime(now);
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw error;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: leaseDurationS,
              acquireTime: stamp,
              renewTime: stamp,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createError) {
        if (httpStatusOf(createError) === 409) return false; // another replica created it first
        throw createError;
      }
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const key = `${holder}|${String(spec.renewTime ?? "")}|${lease.metadata?.resourceVersion}`;
    if (this.#observed?.key !== key) this.#observed = { key, at: now };
    const duration = (spec.leaseDurationSeconds ?? leaseDurationS) * 1000;
    const mine = holder === identity;
    if (!mine && holder !== "" && now < this.#observed.at + duration) {
      if (this.#leading) {
        this.logger.warn("another replica holds the leader Lease; stepping down", {
          lease: name,
          holder,
        });
        await this.#setLeading(false);
      }
      return false;
    }

    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseDurationS,
      renewTime: stamp,
      ...(mine ? {} : {
        acquireTime: stamp,
        leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
      }),
    };
    try {
      const written = await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      const ws = written.spec ?? {};
      this.#observed = {
        key: `${ws.holderIdentity ?? ""}|${
          String(ws.renewTime ?? "")
        }|${written.metadata?.resourceVersion}`,
        at: now,
      };
      if (!mine) {
        this.logger.info("took the leader Lease", { lease: name, previous: holder || null });
      }
      return true;
    } catch (error) {
      if (httpStatusOf(error) === 409) return false; // changed since read: someone else wrote it
      throw error;
    }
  }

  #setLeading(leading: boolean): Promise<void> {
    if (this.#leading === leading) return this.#transitions;
    this.#leading = leading;
    const { identity, name } = this.settings;
    this.#transitions = this.#transitions.then(async () => {
      try {
        if (leading) {
          this.logger.info("leading", { lease: name, identity });
          await this.callbacks.onStartedLeading();
        } else {
          this.logger.info("stopped leading", { lease: name, identity });
          await this.callbacks.onStoppedLeading();
        }
      } catch (error) {
        this.logger.error("leadership change handler failed", { error, leading });
      }
    });
    return this.#transitions;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
