/**
 * kafkajs' default partitioner (the Java client's: murmur2 of the key's UTF-8 bytes, positive,
 * modulo the partition count) with the hash in 32-bit integer arithmetic. kafkajs computes the same
 * hash with 64-bit Long objects, a dozen allocations per record; the partition of every key stays
 * exactly what kafkajs (and every other producer of the topic) picks, so an order's events keep
 * landing in one partition, in order. Records without a key or with an explicit partition are left
 * to kafkajs' own partitioner.
 */
import { Buffer } from "node:buffer";
import { type ICustomPartitioner, Partitioners } from "kafkajs";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (Utils.murmur2 of the Java client) of `key`'s bytes, as a signed 32-bit int. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = key[i4] | (key[i4 + 1] << 8) | (key[i4 + 2] << 16) | (key[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= key[tail + 2] << 16;
    // falls through
    case 2:
      h ^= key[tail + 1] << 8;
    // falls through
    case 1:
      h ^= key[tail];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition kafkajs' default partitioner gives a keyed record. */
export function partitionOfKey(key: string | Uint8Array, partitions: number): number {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

export const keyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return fallback(args);
    if (message.key === null || message.key === undefined) return fallback(args);
    return partitionOfKey(message.key, partitionMetadata.length);
  };
};
