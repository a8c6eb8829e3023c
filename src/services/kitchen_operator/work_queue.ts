/**
 * Runs `work(key)` for keys added, one run per key at a time: an add during a run schedules one
 * more run after it (adds coalesce), different keys run concurrently. A failed run is retried with
 * exponential backoff per key until it succeeds or a fresh add comes. Each run is an operation
 * of the heartbeat, when given: one that never ends makes the process not live.
 */
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";

export interface WorkQueueOptions {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly heartbeat?: Heartbeat;
}

interface KeyState {
  running?: Promise<void>;
  again: boolean;
  failures: number;
  retry?: ReturnType<typeof setTimeout>;
}

export class KeyedWorkQueue {
  readonly #keys = new Map<string, KeyState>();
  #stopped = false;

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly logger: Logger,
    private readonly options: WorkQueueOptions = {},
  ) {}

  add(key: string): void {
    if (this.#stopped) return;
    const state = this.#keys.get(key) ?? { again: false, failures: 0 };
    this.#keys.set(key, state);
    clearTimeout(state.retry);
    state.retry = undefined;
    if (state.running) state.again = true;
    else this.#run(key, state);
  }

  /** Stops scheduling runs and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const state of this.#keys.values()) {
      clearTimeout(state.retry);
      if (state.running) running.push(state.running);
    }
    await Promise.all(running);
    this.#keys.clear();
  }

  /** Resumes after stop(). */
  restart(): void {
    this.#stopped = false;
  }

  /** Whether a run is in flight or due right after one. */
  get busy(): boolean {
    return [...this.#keys.values()].some((s) => s.running !== undefined || s.again);
  }

  #run(key: string, state: KeyState): void {
    state.running = (async () => {
      const run = this.options.heartbeat?.busy(`reconciling ${key}`);
      try {
        await this.work(key);
        state.failures = 0;
      } catch (error) {
        state.failures++;
        const { minBackoffMs = 250, maxBackoffMs = 30_000 } = this.options;
        const delay = Math.min(minBackoffMs * 2 ** (state.failures - 1), maxBackoffMs);
        this.logger.warn("reconcile failed; retrying", {
          key,
          error,
          retryInMs: delay,
          failures: state.failures,
        });
        if (!this.#stopped && !state.again) {
          state.retry = setTimeout(() => {
            state.retry = undefined;
            if (!this.#stopped && !state.running) this.#run(key, state);
          }, delay);
        }
      } finally {
        run?.done();
        state.running = undefined;
        if (state.again && !this.#stopped) {
          state.again = false;
          this.#run(key, state);
        }
      }
    })();
  }
}
