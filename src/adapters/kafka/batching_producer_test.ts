import assert from "node:assert/strict";
import type { Producer, ProducerRecord } from "kafkajs";
import { ProgressWatchdog } from "../../domain/progress_watchdog.ts";
import { BatchingProducer, BatchSendError } from "./batching_producer.ts";

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

Deno.test("`BatchingProducer` calls a failed batch certainly unwritten only on an error answer to a single attempt", async () => {
  let failWith: Error = new Error();
  const producer = { send: () => Promise.reject(failWith) } as unknown as Producer;
  const batcher = new BatchingProducer(() => producer, "topic");
  const verdict = async (error: Error) => {
    failWith = error;
    const failed = await batcher.send(record("a")).catch((e) => e);
    assert.ok(failed instanceof BatchSendError);
    assert.equal(failed.cause, error);
    return failed.possiblyWritten;
  };
  const kafkaError = (name: string, message: string, cause?: Error) =>
    Object.assign(new Error(message, { cause }), { name });

  const tooLarge = kafkaError(
    "KafkaJSProtocolError",
    "The request included a message larger than the max message size the server will accept",
  );
  assert.equal(await verdict(tooLarge), false, "the broker refused it");
  // kafkajs' retries report the last attempt only: an earlier one may have been written.
  const refused = kafkaError("KafkaJSConnectionError", "Connection error: connect ECONNREFUSED");
  assert.equal(
    await verdict(kafkaError("KafkaJSNumberOfRetriesExceeded", refused.message, refused)),
    true,
  );
  assert.equal(
    await verdict(kafkaError("KafkaJSNumberOfRetriesExceeded", tooLarge.message, tooLarge)),
    true,
  );
  assert.equal(
    await verdict(kafkaError("KafkaJSConnectionClosedError", "Closed connection")),
    true,
  );
  assert.equal(
    await verdict(kafkaError("KafkaJSRequestTimeoutError", "Request Produce timed out")),
    true,
  );
  assert.equal(await verdict(new Error("something unexpected")), true);
});

Deno.test("`BatchingProducer` makes the process not live when a request never settles", async () => {
  let now = 0;
  const watchdog = new ProgressWatchdog({ now: () => new Date(now) });
  const heartbeat = watchdog.loop("Kafka producer", { stallAfterMs: 60_000 });
  const { producer, release } = stuckProducer();
  const batcher = new BatchingProducer(() => producer, "topic", 1000, undefined, heartbeat);
  now = 3_600_000;
  assert.equal(watchdog.verdict().live, true, "idle for an hour is fine");
  const sent = batcher.send(record("a"));
  await Promise.resolve();
  now += 60_001;
  assert.deepEqual(watchdog.verdict().loops[0], {
    loop: "Kafka producer",
    live: false,
    ready: false,
    detail: "a Kafka produce request: no progress for 60 s",
  });
  release();
  await sent;
  assert.equal(watchdog.verdict().live, true, "settled: live again");
});
