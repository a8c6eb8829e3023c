/**
 * Joins work handed out at the same moment into one call. kafkajs gives a fetch's batches out one
 * per partition, each to its own `eachBatch` call; handled one by one they cost a PostgreSQL
 * transaction, a Redis script and an offset commit each. Submitted here, the batches that arrive
 * in the same turn of the event loop go to `handle` together, and a batch that arrives while a
 * call runs waits and goes with the others in the next call. One call runs at a time, so what one
 * `submit` carries is never handled alongside a later submit of the same caller.
 *
 * A call that fails rejects every submit it carried; each caller retries its own work.
 */
export type Defer = (run: () => void) => void;

interface Waiting<T> {
  readonly items: readonly T[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The next macrotask: after every `eachBatch` kafkajs starts in the current one. */
const nextTurn: Defer = (run) => setTimeout(run, 0);

export class BatchCoalescer<T> {
  #waiting: Waiting<T>[] = [];
  #scheduled = false;
  #running = false;

  constructor(
    private readonly handle: (items: readonly T[]) => Promise<void>,
    private readonly defer: Defer = nextTurn,
  ) {}

  /** Resolves once a call that carried `items` succeeded; rejects with its error if it failed. */
  submit(items: readonly T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, resolve, reject });
      this.#schedule();
    });
  }

  /** Submits not yet carried by any call. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    this.defer(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    if (this.#running || this.#waiting.length === 0) return;
    const taken = this.#waiting;
    this.#waiting = [];
    this.#running = true;
    try {
      await this.handle(taken.length === 1 ? taken[0].items : taken.flatMap((w) => w.items));
      for (const w of taken) w.resolve();
    } catch (error) {
      for (const w of taken) w.reject(error);
    } finally {
      this.#running = false;
      if (this.#waiting.length > 0) this.#schedule();
    }
  }
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read, as Kafka commits it. */
  readonly offset: string;
}

/** One offset per topic-partition, the highest: what a single OffsetCommit should carry. */
export function highestPerPartition(offsets: readonly PartitionOffset[]): PartitionOffset[] {
  const highest = new Map<string, PartitionOffset>();
  for (const o of offsets) {
    const key = `${o.topic}\u0000${o.partition}`;
    const seen = highest.get(key);
    if (seen === undefined || BigInt(o.offset) > BigInt(seen.offset)) highest.set(key, o);
  }
  return [...highest.values()];
}
