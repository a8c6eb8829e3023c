import assert from "node:assert/strict";
import type { Producer, ProducerRecord } from "kafkajs";
import { BatchingProducer } from "./batching_producer.ts";

/** A producer whose sends stay in flight until the test lets them go. */
function stuckProducer() {
  const sent: ProducerRecord[] = [];
  const releases: (() => void)[] = [];
  const producer = {
    send: (record: ProducerRecord) => {
      sent.push(record);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  } as unknown as Producer;
  return { producer, sent, release: () => releases.shift()?.() };
}

const record = (key: string) => ({ key, value: new TextEncoder().encode(key) });

Deno.test("`BatchingProducer.withdraw()` takes back a record still queued, never one in flight", async () => {
  const { producer, sent, release } = stuckProducer();
  const batcher = new BatchingProducer(() => producer, "topic");
  const a = record("a");
  const b = record("b");
  const sentA = batcher.send(a);
  await Promise.resolve(); // the first batch leaves: [a] in flight
  const sentB = batcher.send(b); // queued behind it
  assert.equal(sent.length, 1);
  assert.equal(batcher.withdraw(a), false, "a is in flight");
  assert.equal(batcher.withdraw(b), true, "b was still waiting");
  await assert.rejects(sentB, /withdrawn/);
  assert.equal(batcher.queued, 0);
  release();
  await sentA;
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(sent.length, 1, "b was never sent");
  assert.deepEqual(sent[0].messages.map((m) => m.key), ["a"]);
});
