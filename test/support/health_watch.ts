/**
 * Polls a service's /healthz and /readyz the way the kubelet does, and keeps every answer,
 * tagged with the test's phase at that moment ("before", "fault", "after"), so a test can say
 * what health reported while a fault lasted. A port that does not answer counts as red.
 */
import { waitFor } from "./wait.ts";

export interface HealthSample {
  readonly phase: string;
  /** The port answered (when it does not, the kubelet counts the probe failed). */
  readonly answered: boolean;
  readonly live: boolean;
  readonly ready: boolean;
  /** The /healthz body (the loops and what is wrong with them). */
  readonly detail: string;
  /** performance.now() when the answer came: for the figures a test reports, never asserted. */
  readonly at: number;
}

export class HealthWatch {
  readonly samples: HealthSample[] = [];
  #phase = "before";
  #stopped = false;
  readonly #polling: Promise<void>;

  constructor(private readonly baseUrl: string, everyMs = 100) {
    this.#polling = (async () => {
      while (!this.#stopped) {
        this.samples.push(await this.#sample());
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  set phase(phase: string) {
    this.#phase = phase;
  }

  /** Waits for a sample of this phase that `predicate` accepts, and returns it. */
  waitFor(
    what: string,
    predicate: (s: HealthSample) => boolean,
    timeoutMs = 30_000,
  ): Promise<HealthSample> {
    const phase = this.#phase;
    return waitFor(
      `${what} (phase ${phase}; last answer: ${this.samples.at(-1)?.detail.trim()})`,
      () => this.samples.find((s) => s.phase === phase && predicate(s)),
      timeoutMs,
      20,
    );
  }

  inPhase(phase: string): HealthSample[] {
    return this.samples.filter((s) => s.phase === phase);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#polling;
  }

  async #sample(): Promise<HealthSample> {
    const phase = this.#phase;
    const get = async (path: string) => {
      try {
        const res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(3_000) });
        return { answered: true, ok: res.ok, body: await res.text() };
      } catch (error) {
        return { answered: false, ok: false, body: `no answer: ${(error as Error).message}` };
      }
    };
    const [healthz, readyz] = await Promise.all([get("/healthz"), get("/readyz")]);
    return {
      phase,
      answered: healthz.answered && readyz.answered,
      live: healthz.ok,
      ready: readyz.ok,
      detail: healthz.body,
      at: performance.now(),
    };
  }
}
