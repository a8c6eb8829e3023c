import assert from "node:assert/strict";
import { rejoinCause } from "./batch_consumer.ts";

const protocolError = (type: string) =>
  Object.assign(new Error(`broker said ${type}`), { name: "KafkaJSProtocolError", type });

Deno.test("rejoinCause() finds the broker's request to re-join inside kafkajs' wrapping", () => {
  for (const type of ["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS"]) {
    const cause = protocolError(type);
    // kafkajs' retrier wraps a non-retriable error (KafkaJSNonRetriableError, cause = original).
    const wrapped = Object.assign(new Error(cause.message, { cause }), {
      name: "KafkaJSNonRetriableError",
    });
    assert.equal(rejoinCause(wrapped), cause, type);
    assert.equal(rejoinCause(cause), cause, `${type}, unwrapped`);
  }
});

Deno.test("rejoinCause() leaves every other error alone", () => {
  assert.equal(rejoinCause(protocolError("INCONSISTENT_GROUP_PROTOCOL")), undefined);
  assert.equal(rejoinCause(new Error("connection reset")), undefined);
  assert.equal(rejoinCause(undefined), undefined);
});
