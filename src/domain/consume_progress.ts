/**
 * Whether a consumer makes progress on the partitions it holds, judged from two readings of the
 * group's committed offsets and the topic's end offsets a few seconds apart. A partition is
 * stuck when records that were already there at the last reading are still waiting and its
 * committed offset has not moved since. Records that arrived since the last reading are given
 * until the next one, and a partition with nothing waiting is fine however long it stays put,
 * so a quiet topic never looks stalled.
 */

export interface PartitionOffsets {
  /** The topic's end offset (the next record's offset). */
  readonly end: bigint;
  /** The group's committed offset (the next record to apply); the start offset when none. */
  readonly committed: bigint;
}

/** One reading, by partition number. */
export type OffsetsReading = ReadonlyMap<number, PartitionOffsets>;

export type ProgressJudgement =
  | { readonly kind: "progress" }
  | { readonly kind: "stuck"; readonly reason: string };

export function judgeProgress(
  previous: OffsetsReading | undefined,
  current: OffsetsReading,
  held: readonly number[],
): ProgressJudgement {
  const still: string[] = [];
  for (const partition of [...held].sort((a, b) => a - b)) {
    const now = current.get(partition);
    const before = previous?.get(partition);
    if (!now || !before || now.committed >= now.end) continue;
    if (now.committed >= before.end || now.committed > before.committed) continue;
    still.push(
      `partition ${partition} at offset ${now.committed}, ${now.end - now.committed} behind`,
    );
  }
  if (still.length === 0) return { kind: "progress" };
  return { kind: "stuck", reason: `records waiting and no offset moved (${still.join("; ")})` };
}
