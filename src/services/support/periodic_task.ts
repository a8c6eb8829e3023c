/**
 * A task run every `everyMs`, counted from the end of the previous run, so two runs never
 * overlap and a slow run delays the next instead of piling up behind it. With a heartbeat, each
 * run that succeeds is progress and each that fails is waiting (its dependency did not answer);
 * a run that never ends leaves the heartbeat silent, which the watchdog catches.
 */
import type { Heartbeat } from "../../domain/progress_watchdog.ts";
import type { Logger } from "../../observability/logger.ts";

export interface PeriodicTask {
  /** No more runs; resolves when the one in flight (if any) has ended. */
  stop(): Promise<void>;
}

export function runPeriodically(
  what: string,
  everyMs: number,
  task: () => Promise<void>,
  logger: Logger,
  heartbeat?: Heartbeat,
): PeriodicTask {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = (async () => {
      try {
        await task();
        heartbeat?.progressed();
      } catch (error) {
        logger.warn(`${what} failed`, { error });
        heartbeat?.waiting(`${what} failed: ${error instanceof Error ? error.message : error}`);
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    })();
  };
  timer = setTimeout(run, everyMs);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
