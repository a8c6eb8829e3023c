/**
 * Tells the consume loop's heartbeat whether the loop makes progress, from the group's committed
 * offsets read every few seconds: records waiting on a partition this replica holds and an
 * offset that does not move is "stuck" (a batch failing over and over, a loop that hangs); no
 * records waiting is progress however quiet the topic. While the loop is not in the group the
 * supervisor has reported it stopped; while the live state is being restored batches wait for
 * it (the restore has its own heartbeat); when the offsets cannot be read Kafka does not answer,
 * which a restart would not mend.
 *
 * A loop stuck for `restartAfter` looks in a row while no batch is failing (so no dependency is
 * to blame: kafkajs itself hangs, say in a re-join after the broker froze) gets a fresh consumer
 * at once, without waiting for liveness to restart the process.
 */
import { judgeProgress, type OffsetsReading } from "../../domain/consume_progress.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";

export interface ConsumeWatchDeps {
  /** The group's committed offsets and the topic's end offsets, now. */
  read(): Promise<OffsetsReading>;
  readonly loop: {
    readonly joined: boolean;
    readonly partitions: readonly number[];
    /** Batches being retried after a failure (a dependency refusing). */
    readonly retrying: number;
    restart(reason: string): void;
  };
  readonly liveState: { readonly restoring: boolean };
  readonly heartbeat: Heartbeat;
  /** Looks in a row found stuck, with no batch failing, before the consumer is replaced. */
  readonly restartAfter: number;
}

/** One look; call it every few seconds (never two at once). */
export function consumeWatch(deps: ConsumeWatchDeps): () => Promise<void> {
  let previous: OffsetsReading | undefined;
  let stuckLooks = 0;
  return async () => {
    let reading: OffsetsReading;
    try {
      reading = await deps.read();
    } catch (error) {
      deps.heartbeat.waiting(
        `reading the group's offsets failed: ${error instanceof Error ? error.message : error}`,
      );
      return;
    }
    const before = previous;
    previous = reading;
    if (!deps.loop.joined || deps.liveState.restoring) {
      stuckLooks = 0;
      if (deps.loop.joined) deps.heartbeat.waiting("batches wait for the live-state restore");
      return;
    }
    const judgement = judgeProgress(before, reading, deps.loop.partitions);
    if (judgement.kind === "progress") {
      stuckLooks = 0;
      deps.heartbeat.progressed();
      return;
    }
    deps.heartbeat.stuck(judgement.reason);
    stuckLooks = deps.loop.retrying > 0 ? 0 : stuckLooks + 1;
    if (stuckLooks >= deps.restartAfter) {
      stuckLooks = 0;
      deps.loop.restart(`no batch failing, yet ${judgement.reason}`);
    }
  };
}
