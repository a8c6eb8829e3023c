import assert from "node:assert/strict";
import { OverloadedError } from "../../domain/errors.ts";
import { admitAtMost } from "./admission.ts";

Deno.test("`admitAtMost()` runs up to the limit at once and refuses the next call at once", async () => {
  const gates: (() => void)[] = [];
  const slow = admitAtMost(
    2,
    (_n: number) => new Promise<string>((resolve) => gates.push(() => resolve("done"))),
  );
  const first = slow(1);
  const second = slow(2);
  await assert.rejects(slow(3), OverloadedError);
  gates.forEach((open) => open());
  assert.deepEqual(await Promise.all([first, second]), ["done", "done"]);
  // Capacity is back once the calls finished.
  const again = slow(4);
  gates.at(-1)!();
  gates.splice(0).forEach((open) => open());
  assert.equal(await again, "done");
});
