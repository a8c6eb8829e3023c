import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { Partitioners } from "kafkajs";
import { keyPartitioner, partitionOfKey } from "./key_partitioner.ts";

const metadata = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

Deno.test("keyPartitioner picks the partition kafkajs' default partitioner picks, for any key", () => {
  const theirs = Partitioners.DefaultPartitioner();
  const ours = keyPartitioner();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uuid(),
        fc.string({ maxLength: 40 }),
        fc.string({ unit: "grapheme", maxLength: 20 }),
      ),
      fc.integer({ min: 1, max: 64 }),
      (key, n) => {
        const args = { topic: "t", partitionMetadata: metadata(n), message: { key, value: null } };
        assert.equal(ours(args), theirs(args), `key ${JSON.stringify(key)}, ${n} partitions`);
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("keyPartitioner: Kafka's murmur2 on known keys, as bytes or text", () => {
  // Partitions of the Java client's DefaultPartitioner for these keys (6 partitions), as kafkajs gives them.
  const theirs = Partitioners.DefaultPartitioner();
  for (
    const key of ["", "a", "ab", "abc", "abcd", "заказ-1", "0e5b3c1a-7f2d-8a44-9b1e-2c3d4e5f6a7b"]
  ) {
    const expected = theirs({
      topic: "t",
      partitionMetadata: metadata(6),
      message: { key, value: null },
    });
    assert.equal(partitionOfKey(key, 6), expected, key);
    assert.equal(partitionOfKey(Buffer.from(key), 6), expected, key);
  }
});

Deno.test("keyPartitioner leaves an explicit partition and keyless records to kafkajs", () => {
  const ours = keyPartitioner();
  assert.equal(
    ours({
      topic: "t",
      partitionMetadata: metadata(6),
      message: { key: "x", value: null, partition: 4 },
    }),
    4,
  );
  const seen = new Set<number>();
  for (let i = 0; i < 60; i++) {
    seen.add(ours({ topic: "t", partitionMetadata: metadata(6), message: { value: null } }));
  }
  assert.ok(seen.size > 1, "keyless records are spread (round robin)");
});
