/**
 * ConsumeSupervisor against a fake of its own port (the function that starts a consumer): what
 * it restarts, when, and what it reports. The real kafkajs crashes (a member with another
 * assignment protocol, a deleted group) are in test/consume_stall_test.ts.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../observability/logger.ts";
import type { ConsumerEvents, RunningConsumer } from "./batch_consumer.ts";
import { ConsumeSupervisor } from "./consume_supervisor.ts";

const logged: { msg: string; retryInMs?: number }[] = [];
const silent = createLogger({}, "error", (line) => logged.push(JSON.parse(line)));

class FakeStarts {
  readonly started: ConsumerEvents[] = [];
  stops = 0;
  failNext = 0;
  readonly reports: string[] = [];

  start = (events: ConsumerEvents): Promise<RunningConsumer> => {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("connection refused"));
    }
    this.started.push(events);
    return Promise.resolve({
      consumer: undefined as never,
      retrying: 0,
      stop: () => {
        this.stops++;
        return Promise.resolve();
      },
    });
  };

  supervisor(): ConsumeSupervisor {
    return new ConsumeSupervisor(
      this.start,
      {
        joined: (p) => this.reports.push(`joined ${p.join(",")}`),
        stopped: (reason) => this.reports.push(`stopped: ${reason}`),
      },
      silent,
      { minBackoffMs: 10, maxBackoffMs: 40, random: () => 1 },
    );
  }
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert(ok(), what);
};

const protocolError = Object.assign(
  new Error(
    "The group member's supported protocols are incompatible with those of existing members",
  ),
  { name: "KafkaJSProtocolError" },
);

Deno.test("a crash kafkajs will not restart gets a fresh consumer, which then joins", async () => {
  const fake = new FakeStarts();
  const supervisor = fake.supervisor();
  await supervisor.run();
  assert.deepEqual(fake.reports, ["stopped: not in the group yet"]);
  fake.started[0].joined([0, 1]);
  assert.deepEqual([supervisor.joined, supervisor.partitions], [true, [0, 1]]);

  fake.started[0].crashed(protocolError, false);
  assert.equal(supervisor.joined, false);
  assert.deepEqual(supervisor.partitions, []);
  assert.match(supervisor.lastProblem, /^KafkaJSProtocolError: The group member's/);
  await until("a second consumer started", () => fake.started.length === 2);
  assert.equal(fake.stops, 1, "the crashed one was stopped first");
  fake.started[1].joined([0, 1, 2]);
  assert.equal(supervisor.joined, true);
  assert.deepEqual(fake.reports.slice(1), [
    "joined 0,1",
    `stopped: KafkaJSProtocolError: ${protocolError.message}`,
    "joined 0,1,2",
  ]);
  await supervisor.stop();
});

Deno.test("a crash kafkajs restarts by itself starts nothing more", async () => {
  const fake = new FakeStarts();
  const supervisor = fake.supervisor();
  await supervisor.run();
  fake.started[0].joined([0]);
  fake.started[0].crashed(new Error("KafkaJSNumberOfRetriesExceeded"), true);
  assert.equal(supervisor.joined, false, "not consuming until kafkajs has re-joined");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.started.length, 1);
  fake.started[0].joined([0]);
  assert.equal(supervisor.joined, true);
  await supervisor.stop();
});

Deno.test("a start that fails is tried again, each time a little later", async () => {
  const fake = new FakeStarts();
  fake.failNext = 3;
  const supervisor = fake.supervisor();
  logged.length = 0;
  await supervisor.run();
  await until("started after three failures", () => fake.started.length === 1);
  assert.deepEqual(logged.map((l) => l.retryInMs), [10, 20, 40], "doubling (random() = 1)");
  assert.equal(
    fake.reports.filter((r) => r.includes("starting the consumer failed: connection refused"))
      .length,
    3,
  );
  await supervisor.stop();
});

Deno.test("events of a consumer already replaced are ignored, and stop() ends the restarts", async () => {
  const fake = new FakeStarts();
  const supervisor = fake.supervisor();
  await supervisor.run();
  const first = fake.started[0];
  first.crashed(protocolError, false);
  await until("replaced", () => fake.started.length === 2);
  first.joined([5]);
  assert.equal(supervisor.joined, false, "the old consumer's join does not count");
  fake.started[1].crashed(protocolError, false);
  await supervisor.stop();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.started.length, 2, "no restart after stop()");
});

Deno.test("restart() replaces a consumer that neither consumes nor crashes", async () => {
  const fake = new FakeStarts();
  const supervisor = fake.supervisor();
  await supervisor.run();
  fake.started[0].joined([0]);
  supervisor.restart("no batch failing, yet records waiting");
  assert.equal(supervisor.joined, false);
  assert.equal(fake.reports.at(-1), "stopped: no batch failing, yet records waiting");
  await until("a fresh consumer", () => fake.started.length === 2);
  assert.equal(fake.stops, 1, "the wedged one was stopped");
  fake.started[0].joined([0]);
  assert.equal(supervisor.joined, false, "the old one counts no more");
  await supervisor.stop();
});
