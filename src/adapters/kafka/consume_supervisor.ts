/**
 * Keeps the consume loop running. kafkajs restarts a crashed consumer by itself only after
 * errors it calls retriable; after any other — another member of the group with an incompatible
 * assignment protocol, the group deleted under it — it logs "Crash" and the consumer stays
 * stopped while the process lives on. This starts a fresh consumer after such a crash (and after
 * a failed start), with exponential backoff and jitter, for as long as it takes, and tells its
 * reports when the loop joined the group and when it stopped, so health can follow. `restart()`
 * replaces a consumer that is wedged without crashing.
 */
import type { Logger } from "../../observability/logger.ts";
import type { ConsumerEvents, RunningConsumer } from "./batch_consumer.ts";

export interface ConsumeReports {
  /** The loop joined the group and holds these partitions. */
  joined(partitions: readonly number[]): void;
  /** The loop is not consuming, for this reason (it is being restarted). */
  stopped(reason: string): void;
}

export interface SupervisorOptions {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Returns [0, 1); injected for tests. */
  readonly random?: () => number;
}

export class ConsumeSupervisor {
  #running: RunningConsumer | undefined;
  #joined = false;
  #partitions: readonly number[] = [];
  #failures = 0;
  #generation = 0;
  #stopped = true;
  #restart: ReturnType<typeof setTimeout> | undefined;
  #lastProblem = "not started";

  constructor(
    private readonly start: (events: ConsumerEvents) => Promise<RunningConsumer>,
    private readonly reports: ConsumeReports,
    private readonly logger: Logger,
    private readonly options: SupervisorOptions = {},
  ) {}

  /** Whether the loop is in the group now (between a join and a crash). */
  get joined(): boolean {
    return this.#joined;
  }

  /** The partitions it holds while joined. */
  get partitions(): readonly number[] {
    return this.#joined ? this.#partitions : [];
  }

  /** Batches the current consumer is retrying after their handler failed. */
  get retrying(): number {
    return this.#running?.retrying ?? 0;
  }

  /** Why it is not consuming, when it is not. */
  get lastProblem(): string {
    return this.#lastProblem;
  }

  /** Starts the loop; resolves once the first consumer has been started (not joined). */
  async run(): Promise<void> {
    this.#stopped = false;
    this.#lastProblem = "not in the group yet";
    this.reports.stopped(this.#lastProblem);
    await this.#attempt();
  }

  /** Replaces the current consumer (with backoff), e.g. one that neither consumes nor crashes. */
  restart(reason: string): void {
    if (this.#stopped) return;
    this.#joined = false;
    this.#lastProblem = reason;
    this.reports.stopped(reason);
    this.#scheduleRestart(new Error(reason));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#restart);
    this.#joined = false;
    const running = this.#running;
    this.#running = undefined;
    await running?.stop();
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#stopped;
    const events: ConsumerEvents = {
      joined: (partitions) => {
        if (!current()) return;
        this.#joined = true;
        this.#partitions = [...partitions];
        this.#failures = 0;
        this.#lastProblem = "";
        this.reports.joined(this.#partitions);
        this.logger.info("consumer joined the group", { partitions: this.#partitions });
      },
      crashed: (error, restarting) => {
        if (!current()) return;
        this.#joined = false;
        this.#lastProblem = `${error.name}: ${error.message}`;
        this.reports.stopped(this.#lastProblem);
        if (restarting) {
          this.logger.warn("the consume loop crashed; kafkajs starts it again", { error });
        } else {
          this.#scheduleRestart(error);
        }
      },
    };
    try {
      const running = await this.start(events);
      if (current()) this.#running = running;
      else await running.stop().catch(() => {});
    } catch (error) {
      if (!current()) return;
      this.#joined = false;
      this.#lastProblem = `starting the consumer failed: ${(error as Error).message}`;
      this.reports.stopped(this.#lastProblem);
      this.#scheduleRestart(error);
    }
  }

  #scheduleRestart(error: unknown): void {
    const { minBackoffMs = 500, maxBackoffMs = 10_000, random = Math.random } = this.options;
    const base = Math.min(minBackoffMs * 2 ** this.#failures, maxBackoffMs);
    const delay = Math.round(base / 2 + (base / 2) * random());
    this.#failures++;
    this.logger.error("the consume loop stopped; starting a new consumer", {
      error,
      retryInMs: delay,
      failures: this.#failures,
    });
    const generation = ++this.#generation; // events of the stopped consumer count no more
    const old = this.#running;
    this.#running = undefined;
    clearTimeout(this.#restart);
    this.#restart = setTimeout(async () => {
      await old?.stop().catch(() => {});
      if (generation === this.#generation) await this.#attempt();
    }, delay);
  }
}
