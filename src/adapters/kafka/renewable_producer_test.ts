import assert from "node:assert/strict";
import type { Producer } from "kafkajs";
import { createLogger } from "../../observability/logger.ts";
import { isFatalForProducer, RenewableProducer } from "./renewable_producer.ts";

Deno.test("`isFatalForProducer()` finds a lost sequence inside kafkajs' wrapping errors", () => {
  const protocol = Object.assign(new Error("out of order"), {
    type: "OUT_OF_ORDER_SEQUENCE_NUMBER",
  });
  const wrapped = Object.assign(new Error("retries exceeded"), { cause: protocol });
  assert.equal(isFatalForProducer(wrapped), true);
  assert.equal(
    isFatalForProducer(Object.assign(new Error("x"), { originalError: protocol })),
    true,
  );
  assert.equal(
    isFatalForProducer(Object.assign(new Error("down"), { type: "NOT_LEADER_FOR_PARTITION" })),
    false,
  );
  assert.equal(isFatalForProducer(new Error("Connection error: connect ECONNREFUSED")), false);
});

Deno.test("`RenewableProducer.renewIfFatal()` swaps in one new producer for concurrent fatal errors, none otherwise", async () => {
  const made: string[] = [];
  const fake = (name: string) =>
    ({
      connect: () => Promise.resolve(made.push(`connect ${name}`)),
      disconnect: () => Promise.resolve(made.push(`disconnect ${name}`)),
    }) as unknown as Producer;
  let n = 0;
  const producer = new RenewableProducer(
    () => fake(`p${++n}`),
    createLogger({}, "error", () => {}),
  );
  await producer.connect();
  const fatal = Object.assign(new Error("x"), { type: "UNKNOWN_PRODUCER_ID" });
  await Promise.all([producer.renewIfFatal(fatal), producer.renewIfFatal(fatal)]);
  await producer.renewIfFatal(new Error("timeout"));
  assert.deepEqual(made, ["connect p1", "disconnect p1", "connect p2"]);
  assert.equal(producer.renewals, 1);
});
