/**
 * A value loaded at start-up and reloaded periodically or on demand (menu,
 * kitchen settings). A failed reload keeps the last good value: a flaky
 * database must not take the menu away from intake.
 */
import type { Logger } from "../../observability/logger.ts";
import { untilItSucceeds } from "./until_it_succeeds.ts";

export class RefreshingValue<T> {
  #value: T | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #loading: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly load: () => Promise<T>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Loads the first value (retrying until it succeeds) and starts the periodic reload. */
  async start(signal?: AbortSignal, onFailure?: (error: unknown) => void): Promise<void> {
    this.#value = await untilItSucceeds(
      `loading ${this.name}`,
      this.load,
      this.logger,
      signal,
      onFailure,
    );
    this.#timer = setInterval(() => void this.refresh(), this.intervalMs);
  }

  current(): T {
    if (this.#value === undefined) throw new Error(`${this.name} is not loaded yet`);
    return this.#value;
  }

  /** Reloads now; concurrent calls share one load. */
  refresh(): Promise<void> {
    this.#loading ??= this.load().then(
      (value) => {
        this.#value = value;
      },
      (error) =>
        this.logger.warn(`reloading ${this.name} failed; keeping the last value`, { error }),
    ).finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
