import assert from "node:assert/strict";
import { OverloadedError } from "../../domain/errors.ts";
import { InFlightLimit } from "./admission.ts";

Deno.test("InFlightLimit runs up to the limit at once and refuses the next call at once", async () => {
  const gates: (() => void)[] = [];
  const limit = new InFlightLimit(2);
  const slow = limit.guard(
    (_n: number) => new Promise<string>((resolve) => gates.push(() => resolve("done"))),
  );
  const first = slow(1);
  const second = slow(2);
  assert.equal(limit.inFlight, 2);
  await assert.rejects(slow(3), (e) => {
    assert.ok(e instanceof OverloadedError);
    assert.match(e.message, /intake is at capacity \(2 calls in flight\)/);
    return true;
  });
  assert.equal(gates.length, 2, "the refused call never started");
  gates.forEach((open) => open());
  assert.deepEqual(await Promise.all([first, second]), ["done", "done"]);
  assert.equal(limit.inFlight, 0);
  // Capacity is back once the calls finished.
  const again = slow(4);
  gates.at(-1)!();
  assert.equal(await again, "done");
});

Deno.test("InFlightLimit frees the place of a call that failed", async () => {
  const limit = new InFlightLimit(1);
  const failing = limit.guard((): Promise<never> => Promise.reject(new Error("kafka down")));
  await assert.rejects(failing(), /kafka down/);
  await assert.rejects(failing(), /kafka down/, "not OverloadedError: the place was freed");
  assert.equal(limit.inFlight, 0);
});
