import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { requestQueuePatched } from "./request_queue_fix.ts";
import { infraSetting } from "../../../test/support/infra.ts";

/** Timers armed by anything in this process during `ms` (kafkajs' idle loop armed one per ms). */
async function timersArmedDuring(ms: number): Promise<number> {
  const original = globalThis.setTimeout;
  let armed = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    armed++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    await new Promise((r) => original(r, ms));
  } finally {
    globalThis.setTimeout = original;
  }
  return armed;
}

Deno.test({
  name: "an idle kafkajs connection arms no timer every millisecond (kafkajs' request-queue loop)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    assert.equal(
      requestQueuePatched,
      true,
      "kafkajs' RequestQueue has the method the fix replaces",
    );
    const brokers = infraSetting("KAFKA_BROKERS");
    const kafka = new Kafka({
      clientId: "request-queue-fix-test",
      brokers: brokers.split(","),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.listTopics(); // a request answered: the connection's queue is idle now
      const armed = await timersArmedDuring(500);
      // Unfixed, the queue re-arms its check each millisecond: ~500 here.
      assert.ok(armed < 50, `${armed} timers armed in 500 ms by an idle connection`);
      // And requests still flow after the idle time.
      assert.ok(Array.isArray(await admin.listTopics()));
    } finally {
      await admin.disconnect();
    }
  },
});
