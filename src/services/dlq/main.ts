/**
 * Operators' tool for the dead-letter topic.
 *   deno task dlq list                 every dead letter: where it came from, why, which order
 *   deno task dlq replay <p>:<offset>  send one back to pizza-orders (after fixing its cause)
 *   deno task dlq replay --all         send them all back
 * Replaying is safe: the consumer's writes are idempotent, so an event that
 * had in fact been applied changes nothing.
 */
import { Buffer } from "node:buffer";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import "../../adapters/kafka/request_queue_fix.ts"; // no millisecond wake-ups while connected
import { HEADER } from "../../adapters/kafka/topics.ts";
import { decodeOrderEvent } from "../../adapters/protobuf/order_event_codec.ts";
import { readDlqConfig } from "./config.ts";
import { readDeadLetters } from "./dead_letter_reader.ts";

const USAGE = "usage: deno task dlq list | replay <partition>:<offset> [...] | replay --all";

const config = readDlqConfig();
const kafka = new Kafka({
  clientId: "ovenline-dlq",
  brokers: config.brokers,
  ssl: typeof config.security.ssl === "object" ? { ...config.security.ssl } : config.security.ssl,
  sasl: config.security.sasl as SASLOptions | undefined,
  logLevel: logLevel.ERROR,
});
const [command, ...args] = Deno.args;

if (command === "list") {
  const letters = await readDeadLetters(kafka, config.deadLetterTopic);
  for (const r of letters) {
    let order: string | undefined;
    try {
      const event = r.value ? decodeOrderEvent(r.value) : undefined;
      order = event ? `${event.kind} ${event.orderId}` : undefined;
    } catch {
      order = undefined;
    }
    console.log(JSON.stringify({
      id: `${r.partition}:${r.offset}`,
      reason: r.headers[HEADER.deadLetterReason],
      from: `${r.headers[HEADER.deadLetterTopic]}/${r.headers[HEADER.deadLetterPartition]}@${
        r.headers[HEADER.deadLetterOffset]
      }`,
      at: r.headers[HEADER.deadLetterAt],
      key: r.key,
      event: order ?? "undecodable",
    }));
  }
  console.error(`${letters.length} dead letter(s) in ${config.deadLetterTopic}`);
} else if (command === "replay" && args.length > 0) {
  const letters = await readDeadLetters(kafka, config.deadLetterTopic);
  const wanted = args.includes("--all") ? undefined : new Set(args);
  const chosen = letters.filter((r) => !wanted || wanted.has(`${r.partition}:${r.offset}`));
  const missing = wanted
    ? [...wanted].filter((id) => !letters.some((r) => `${r.partition}:${r.offset}` === id))
    : [];
  if (missing.length > 0) {
    console.error(`not in ${config.deadLetterTopic}: ${missing.join(", ")}`);
    Deno.exit(1);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const r of chosen) {
      const headers = Object.fromEntries(
        Object.entries(r.headers).filter(([k]) => !k.startsWith("dlq-")),
      );
      await producer.send({
        topic: config.ordersTopic,
        acks: -1,
        messages: [{ key: r.key, value: r.value ? Buffer.from(r.value) : null, headers }],
      });
      console.log(`replayed ${r.partition}:${r.offset} to ${config.ordersTopic}`);
    }
  } finally {
    await producer.disconnect();
  }
  console.error(`${chosen.length} dead letter(s) replayed`);
} else {
  console.error(USAGE);
  Deno.exit(2);
}
