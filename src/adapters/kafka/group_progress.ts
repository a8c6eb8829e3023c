/**
 * Where a consumer group stands on a topic: after a restore, intake may book
 * again only once the group has applied everything that was in the topic
 * when the restore was written (those orders hold capacity the restored state
 * cannot know about yet); the consumer's health and its lag metric read the
 * same offsets.
 */
import type { Admin } from "kafkajs";
import type { OffsetsReading } from "../../domain/consume_progress.ts";

/** The topic's end offset per partition, now. */
export async function topicEndOffsets(
  admin: Admin,
  topic: string,
): Promise<Record<string, string>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Object.fromEntries(offsets.map((p) => [String(p.partition), p.high]));
}

/** Whether the group's committed offsets have reached `target` on every partition. */
export async function groupReached(
  admin: Admin,
  groupId: string,
  topic: string,
  target: Record<string, string>,
): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const low = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [String(p.partition), p.low]),
  );
  for (const [partition, end] of Object.entries(target)) {
    const entry = committed?.partitions.find((p) => String(p.partition) === partition);
    // Nothing committed yet: the group will start at the earliest retained record.
    const at = entry && entry.offset !== "-1" ? entry.offset : (low.get(partition) ?? "0");
    if (BigInt(at) < BigInt(end)) return false;
  }
  return true;
}

/**
 * The topic's end offsets and the group's committed offsets, by partition; a partition the group
 * never committed counts from the earliest retained record (where a new group starts).
 */
export async function readGroupOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<OffsetsReading> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  return new Map(ends.map((end) => {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    const at = c && BigInt(c.offset) >= 0n ? BigInt(c.offset) : BigInt(end.low);
    return [end.partition, { end: BigInt(end.high), committed: at }];
  }));
}
