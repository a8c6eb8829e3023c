/**
 * WatchOrder: a customer app follows its order's status. One reader per
 * intake process follows the Redis event stream while anyone is watching and
 * hands each watched order's changes to its watchers.
 */
import type { EventStream, StreamEntry } from "../../adapters/redis/event_stream.ts";
import { OrderNotFoundError, WatchExpiredError, WatchLimitError } from "../../domain/errors.ts";
import type { Order } from "../../domain/order.ts";
import type { OrderWithoutCustomer } from "../../domain/personal_data.ts";
import type { OrderReader } from "../../domain/ports.ts";
import { isTerminal } from "../../domain/status.ts";
import type { Logger } from "../../observability/logger.ts";

/** Orders from the stream lack the customer (see withoutPersonalData). */
type Watcher = (order: OrderWithoutCustomer) => void;

/** How many watches at once, and for how long (docs/security.md). */
export interface WatchLimits {
  readonly perConnection: number;
  readonly perOrder: number;
  readonly total: number;
  readonly maxDurationMs: number;
}

const UNLIMITED: WatchLimits = {
  perConnection: Infinity,
  perOrder: Infinity,
  total: Infinity,
  maxDurationMs: 0,
};

export class OrderWatchers {
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #perConnection = new Map<string, number>();
  readonly #perOrder = new Map<string, number>();
  #total = 0;
  #following: { stop: AbortController; started: Promise<void> } | undefined;

  constructor(
    private readonly stream: EventStream,
    private readonly orders: OrderReader,
    private readonly logger: Logger,
    private readonly limits: WatchLimits = UNLIMITED,
  ) {}

  /**
   * Calls `onOrder` with the order now and at each status change; resolves once it is terminal,
   * and fails with WatchExpiredError after the longest duration allowed. Refused at once
   * (WatchLimitError) beyond the watches allowed on `connection`, for the order, or in all;
   * once admitted, `authorize` (may the caller see this order?) runs before anything is read.
   */
  async watch(
    orderId: string,
    onOrder: (order: Order) => void,
    signal: AbortSignal,
    connection?: string,
    authorize?: () => Promise<unknown>,
  ): Promise<void> {
    this.#admit(orderId, connection);
    try {
      await authorize?.();
      await this.#watch(orderId, onOrder, signal);
    } finally {
      this.#total--;
      release(this.#perOrder, orderId);
      if (connection !== undefined) release(this.#perConnection, connection);
    }
  }

  #admit(orderId: string, connection: string | undefined): void {
    const { perConnection, perOrder, total } = this.limits;
    if (connection !== undefined && (this.#perConnection.get(connection) ?? 0) >= perConnection) {
      throw new WatchLimitError("connection", perConnection);
    }
    if ((this.#perOrder.get(orderId) ?? 0) >= perOrder) {
      throw new WatchLimitError("order", perOrder);
    }
    if (this.#total >= total) throw new WatchLimitError("intake", total);
    this.#total++;
    this.#perOrder.set(orderId, (this.#perOrder.get(orderId) ?? 0) + 1);
    if (connection !== undefined) {
      this.#perConnection.set(connection, (this.#perConnection.get(connection) ?? 0) + 1);
    }
  }

  async #watch(
    orderId: string,
    onOrder: (order: Order) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let lastStatus: string | undefined;
    let lastVersion = 0;
    let finish!: () => void;
    let expire!: (error: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      expire = reject;
    });
    finished.catch(() => {}); // awaited below; it may expire before that
    let first: Order | undefined;
    const watcher: Watcher = (seen) => {
      if (seen.version <= lastVersion) return;
      lastVersion = seen.version;
      // Stream entries carry no personal data; the customer is the one the first read found.
      const order = { customer: first?.customer, deliveryAddress: first?.deliveryAddress, ...seen };
      if (order.status !== lastStatus) {
        lastStatus = order.status;
        onOrder(order as Order);
      }
      if (isTerminal(order.status)) finish();
    };
    // Listen before reading the current state, so no change in between is missed.
    this.#add(orderId, watcher);
    const { maxDurationMs } = this.limits;
    const timer = maxDurationMs > 0
      ? setTimeout(() => expire(new WatchExpiredError(maxDurationMs / 1000)), maxDurationMs)
      : undefined;
    // Before any await: a caller that hangs up meanwhile must still end the watch.
    signal.addEventListener("abort", () => finish(), { once: true });
    if (signal.aborted) finish();
    try {
      await this.#ensureFollowing();
      const current = await this.orders.get(orderId);
      if (!current) throw new OrderNotFoundError(orderId);
      first = current;
      watcher(current);
      await finished;
    } finally {
      clearTimeout(timer);
      this.#remove(orderId, watcher);
    }
  }

  #add(orderId: string, watcher: Watcher): void {
    const set = this.#watchers.get(orderId) ?? new Set();
    set.add(watcher);
    this.#watchers.set(orderId, set);
  }

  #remove(orderId: string, watcher: Watcher): void {
    const set = this.#watchers.get(orderId);
    set?.delete(watcher);
    if (set?.size === 0) this.#watchers.delete(orderId);
    if (this.#watchers.size === 0 && this.#following) {
      this.#following.stop.abort();
      this.#following = undefined;
    }
  }

  #ensureFollowing(): Promise<void> {
    if (!this.#following) {
      const stop = new AbortController();
      let started!: () => void;
      const startedPromise = new Promise<void>((resolve) => (started = resolve));
      this.#following = { stop, started: startedPromise };
      this.stream.lastId().catch(() => undefined).then((from) => {
        started();
        return this.stream.follow(
          from ?? "0-0",
          (entries) => this.#dispatch(entries),
          stop.signal,
          (error) => this.logger.warn("order watch: reading the event stream failed", { error }),
        );
      });
    }
    return this.#following.started;
  }

  #dispatch(entries: readonly StreamEntry[]): void {
    for (const entry of entries) {
      if (entry.type === "state.restored") {
        // Redis lost its data meanwhile: re-read every watched order.
        for (const [orderId, set] of this.#watchers) {
          this.orders.get(orderId).then((order) => order && set.forEach((w) => w(order)), () => {});
        }
        continue;
      }
      const set = entry.orderId ? this.#watchers.get(entry.orderId) : undefined;
      if (!set || !entry.order) continue;
      const order = JSON.parse(entry.order) as OrderWithoutCustomer;
      for (const w of set) w(order);
    }
  }
}

function release(counts: Map<string, number>, key: string): void {
  const n = counts.get(key)! - 1;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
