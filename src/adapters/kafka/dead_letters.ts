/**
 * The dead-letter topic: an order event that can never be applied is moved
 * here with the reason and its origin in headers, so the partition keeps
 * flowing. Every dead letter is an alarm: an accepted order did not reach the
 * kitchen. `deno task dlq` lists and replays them.
 */
import { Buffer } from "node:buffer";
import type { Producer } from "kafkajs";
import type { RawRecord } from "./batch_consumer.ts";
import { HEADER } from "./topics.ts";

export class DeadLetterQueue {
  constructor(private readonly producer: Producer, readonly topic: string) {}

  async send(record: RawRecord, reason: string, at: Date): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{
        key: record.key,
        value: record.value ? Buffer.from(record.value) : null,
        headers: {
          ...record.headers,
          [HEADER.deadLetterReason]: reason,
          [HEADER.deadLetterTopic]: record.topic,
          [HEADER.deadLetterPartition]: String(record.partition),
          [HEADER.deadLetterOffset]: record.offset,
          [HEADER.deadLetterAt]: at.toISOString(),
        },
      }],
    });
  }
}
