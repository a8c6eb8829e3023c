/**
 * Tells the consume loop's heartbeat whether the loop makes progress, from the group's committed
 * offsets read every few seconds: records waiting on a partition this replica holds and an
 * offset that does not move is "stuck" (a batch failing over and over, a loop that hangs); no
 * records waiting is progress however quiet the topic. While the loop is not in the group the
 * supervisor has reported it stopped; while the live state is being restored batches wait for
 * it (the restore has its own heartbeat); when the offsets cannot be read Kafka does not answer,
 * which a restart would not mend.
 */
import { judgeProgress, type OffsetsReading } from "../../domain/consume_progress.ts";
import type { Heartbeat } from "../../domain/progress_watchdog.ts";

export interface ConsumeWatchDeps {
  /** The group's committed offsets and the topic's end offsets, now. */
  read(): Promise<OffsetsReading>;
  readonly loop: { readonly joined: boolean; readonly partitions: readonly number[] };
  readonly liveState: { readonly restoring: boolean };
  readonly heartbeat: Heartbeat;
}

/** One look; call it every few seconds (never two at once). */
export function consumeWatch(deps: ConsumeWatchDeps): () => Promise<void> {
  let previous: OffsetsReading | undefined;
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
    if (!deps.loop.joined) return;
    if (deps.liveState.restoring) {
      deps.heartbeat.waiting("batches wait for the live-state restore");
      return;
    }
    const judgement = judgeProgress(before, reading, deps.loop.partitions);
    if (judgement.kind === "progress") deps.heartbeat.progressed();
    else deps.heartbeat.stuck(judgement.reason);
  };
}
