import assert from "node:assert/strict";
import { OverloadedError } from "../../domain/errors.ts";
import { AdaptiveInFlightLimit, type AdmissionSettings } from "./admission.ts";

const SETTINGS: AdmissionSettings = {
  maxInFlight: 100,
  minInFlight: 10,
  targetMs: 100,
  intervalMs: 100,
};

interface Running {
  readonly done: Promise<string>;
  finish(): Promise<string>;
}

/** A limit on a clock the test moves, and calls that end when the test says. */
function harness(settings: Partial<AdmissionSettings> = {}) {
  let t = 0;
  const limit = new AdaptiveInFlightLimit({ ...SETTINGS, ...settings }, () => t);
  let open: () => void = () => {};
  const call = limit.guard(() => new Promise<string>((resolve) => (open = () => resolve("ok"))));
  const start = (n: number): Running[] =>
    Array.from({ length: n }, () => {
      const done = call();
      const finish = open;
      return { done, finish: () => (finish(), done) };
    });
  const advance = (ms: number) => (t += ms);
  return { limit, call, start, advance };
}

type Harness = ReturnType<typeof harness>;

/** One interval in which `n` calls run together and each takes `ms`. */
async function interval(h: Harness, n: number, ms: number): Promise<void> {
  const calls = h.start(n);
  h.advance(ms);
  await Promise.all(calls.map((c) => c.finish()));
  h.advance(Math.max(0, SETTINGS.intervalMs - ms));
}

Deno.test("the limit refuses the call past it at once, and the refused call never starts", async () => {
  const h = harness({ maxInFlight: 2, minInFlight: 1 });
  const running = h.start(2);
  assert.equal(h.limit.inFlight, 2);
  await assert.rejects(h.call(), (e) => {
    assert.ok(e instanceof OverloadedError);
    assert.match(e.message, /intake is at capacity \(2 calls in flight\)/);
    return true;
  });
  assert.equal(h.limit.inFlight, 2, "the refused call never started");
  assert.deepEqual(await Promise.all(running.map((c) => c.finish())), ["ok", "ok"]);
  assert.equal(h.limit.inFlight, 0);
  assert.equal(await h.start(1)[0].finish(), "ok", "room again once the calls ended");
});

Deno.test("a failed call frees its place", async () => {
  const limit = new AdaptiveInFlightLimit({ ...SETTINGS, maxInFlight: 1, minInFlight: 1 }, () => 0);
  const failing = limit.guard((): Promise<never> => Promise.reject(new Error("kafka down")));
  await assert.rejects(failing(), /kafka down/);
  await assert.rejects(failing(), /kafka down/, "not OverloadedError: the place was freed");
  assert.equal(limit.inFlight, 0);
});

Deno.test("a standing queue (busy, every call slow) cuts the limit by a tenth per interval, down to the floor; quick calls bring it back", async () => {
  const h = harness();
  const seen: number[] = [];
  for (let i = 0; i < 30; i++) {
    await interval(h, h.limit.limit, 250);
    seen.push(h.limit.limit);
  }
  assert.deepEqual(seen.slice(0, 4), [90, 81, 72, 64]);
  assert.equal(seen.at(-1), 10, "never below minInFlight");
  for (let i = 0; i < 40; i++) await interval(h, 5, 5);
  assert.equal(h.limit.limit, 100, "back by a tenth per interval, up to the most");
});

Deno.test("one quick call among slow ones is no standing queue: a pause or a burst cuts nothing", async () => {
  const h = harness();
  const slow = h.start(79);
  h.advance(5);
  const [quick] = h.start(1);
  h.advance(5);
  await quick.finish();
  h.advance(290);
  await Promise.all(slow.map((c) => c.finish()));
  await interval(h, 1, 1);
  assert.equal(h.limit.limit, 100);
});

Deno.test("a slow dependency at low load (few calls in flight) cuts nothing", async () => {
  const h = harness();
  for (let i = 0; i < 10; i++) await interval(h, 20, 400);
  assert.equal(h.limit.limit, 100, "20 in flight of 100: not busy, whatever the latency");
});

Deno.test("settings out of range are refused", () => {
  assert.throws(
    () => new AdaptiveInFlightLimit({ ...SETTINGS, minInFlight: 200 }, () => 0),
    /minInFlight must be between 1 and maxInFlight/,
  );
});
