/**
 * A service's start-up, told to its readiness probe: the health port opens first, then each
 * step (connecting to a dependency, loading settings, restoring the live state) runs until it
 * succeeds, however long that takes. Meanwhile /readyz says which step it is on and why the last
 * try failed; liveness is not at stake (a restart would not bring a dependency back).
 */
import type { Logger } from "../../observability/logger.ts";
import { untilItSucceeds } from "./until_it_succeeds.ts";

export class Startup {
  #status = "starting";
  #done = false;

  constructor(private readonly logger: Logger) {}

  get done(): boolean {
    return this.#done;
  }

  /** What start-up is doing, and why its last try failed. */
  get status(): string {
    return this.#status;
  }

  /** Runs `run` until one try succeeds. */
  step<T>(what: string, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return untilItSucceeds(what, run, this.logger, signal, this.doing(what));
  }

  /**
   * Reports that start-up is at `what`, a step that retries by itself; returns the function
   * that reports each of its failed tries.
   */
  doing(what: string): (error: unknown) => void {
    this.#status = what;
    return (error) => {
      this.#status = `${what} (last try: ${error instanceof Error ? error.message : error})`;
    };
  }

  finish(): void {
    this.#done = true;
    this.#status = "started";
  }
}
