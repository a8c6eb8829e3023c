/**
 * Whether a process's long-running loops still make progress, for its liveness and readiness.
 *
 * Each loop gets a Heartbeat and tells it what happens:
 * - `started`: the loop (re)started; it gets a fresh stall limit to show progress;
 * - `progressed`: it did its work, or had none to do;
 * - `waiting`: a dependency does not answer. Not ready, but live: a restart would not bring the
 *   dependency back, so this also restarts the stall clock;
 * - `stuck`: it has work and does not get it done (records waiting, no offset moving);
 * - `stopped`: the loop is not running at all (a crashed consume loop);
 * - `busy(what)`: an operation that must finish (or report progress) within the stall limit.
 *
 * A loop is not live — the process should be restarted — once it has been stuck or stopped for
 * longer than its stall limit, an operation has been busy that long without progress, or a loop
 * that ticks has said nothing that long. It is not ready while it is stopped or waiting, and
 * whenever it is not live. Time comes from the injected clock only.
 */
import type { Clock } from "./ports.ts";

export interface LoopOptions {
  /** How long the loop may go stuck, stopped, busy or (if it ticks) silent. */
  readonly stallAfterMs: number;
  /**
   * The loop reports at least every few seconds while it runs (a polling loop), so silence
   * longer than the stall limit means it hangs. Loops that may idle for ever leave this off.
   */
  readonly ticks?: boolean;
}

export interface LoopVerdict {
  readonly loop: string;
  readonly live: boolean;
  readonly ready: boolean;
  /** One line for people: "ok", or what is wrong and for how long. */
  readonly detail: string;
}

export interface Verdict {
  readonly live: boolean;
  readonly ready: boolean;
  readonly loops: readonly LoopVerdict[];
}

/** An operation in flight; `progressed` restarts its stall clock, `done` ends it. */
export interface Operation {
  progressed(): void;
  done(): void;
}

interface Busy {
  readonly what: string;
  since: number;
}

export class Heartbeat {
  #lastHeard: number;
  /** Since when the loop is stuck or stopped without waiting on a dependency in between. */
  #stallFrom: number | undefined;
  #stuck: string | undefined;
  #stopped: { reason: string; since: number } | undefined;
  #waiting: string | undefined;
  readonly #busy = new Set<Busy>();

  constructor(
    readonly name: string,
    private readonly options: LoopOptions,
    private readonly now: () => number,
  ) {
    this.#lastHeard = now();
  }

  started(): void {
    this.#lastHeard = this.now();
    this.#stallFrom = undefined;
    this.#stuck = undefined;
    this.#stopped = undefined;
    this.#waiting = undefined;
  }

  progressed(): void {
    this.started();
  }

  waiting(reason: string): void {
    const now = this.now();
    this.#lastHeard = now;
    this.#waiting = reason;
    this.#stuck = undefined;
    if (this.#stallFrom !== undefined) this.#stallFrom = now;
  }

  stuck(reason: string): void {
    const now = this.now();
    this.#lastHeard = now;
    this.#stuck = reason;
    this.#waiting = undefined;
    this.#stallFrom ??= now;
  }

  stopped(reason: string): void {
    const now = this.now();
    this.#lastHeard = now;
    this.#stopped = { reason, since: this.#stopped?.since ?? now };
    this.#stallFrom ??= now;
  }

  busy(what: string): Operation {
    const entry: Busy = { what, since: this.now() };
    this.#busy.add(entry);
    return {
      progressed: () => {
        entry.since = this.now();
        this.#lastHeard = entry.since;
      },
      done: () => {
        this.#busy.delete(entry);
        this.#lastHeard = this.now();
      },
    };
  }

  verdict(): LoopVerdict {
    const now = this.now();
    const limit = this.options.stallAfterMs;
    const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
    const dead = (detail: string): LoopVerdict => ({
      loop: this.name,
      live: false,
      ready: false,
      detail,
    });
    for (const busy of this.#busy) {
      if (now - busy.since > limit) {
        return dead(`${busy.what}: no progress for ${seconds(now - busy.since)}`);
      }
    }
    const stalled = this.#stallFrom !== undefined && now - this.#stallFrom > limit;
    if (stalled && this.#stopped) {
      return dead(`stopped for ${seconds(now - this.#stopped.since)}: ${this.#stopped.reason}`);
    }
    if (stalled) return dead(`no progress for ${seconds(now - this.#stallFrom!)}: ${this.#stuck}`);
    if (this.options.ticks && this.#busy.size === 0 && now - this.#lastHeard > limit) {
      return dead(`silent for ${seconds(now - this.#lastHeard)}`);
    }
    const notReady = (detail: string): LoopVerdict => ({
      loop: this.name,
      live: true,
      ready: false,
      detail,
    });
    if (this.#stopped) {
      return notReady(
        `stopped ${seconds(now - this.#stopped.since)} ago: ${this.#stopped.reason}`,
      );
    }
    if (this.#waiting !== undefined) return notReady(`waiting: ${this.#waiting}`);
    const detail = this.#stuck !== undefined
      ? `no progress for ${seconds(now - this.#stallFrom!)}: ${this.#stuck}`
      : [...this.#busy].map((b) => b.what).join("; ") || "ok";
    return { loop: this.name, live: true, ready: true, detail };
  }
}

export class ProgressWatchdog {
  readonly #loops = new Map<string, Heartbeat>();

  constructor(private readonly clock: Clock) {}

  /** The heartbeat of the loop `name` (the same one when asked again). */
  loop(name: string, options: LoopOptions): Heartbeat {
    let heartbeat = this.#loops.get(name);
    if (!heartbeat) {
      heartbeat = new Heartbeat(name, options, () => this.clock.now().getTime());
      this.#loops.set(name, heartbeat);
    }
    return heartbeat;
  }

  /** Stops watching `name` (a loop that ended on purpose). */
  remove(name: string): void {
    this.#loops.delete(name);
  }

  verdict(): Verdict {
    const loops = [...this.#loops.values()].map((h) => h.verdict());
    return {
      live: loops.every((l) => l.live),
      ready: loops.every((l) => l.ready),
      loops,
    };
  }
}
