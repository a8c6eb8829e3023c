import assert from "node:assert/strict";
import { createLogger } from "../../observability/logger.ts";
import { heldSweeper, SETTLE_AFTER_MS } from "./held_sweeper.ts";

Deno.test("`heldSweeper()` releases a held booking only after the group passed a mark taken well after it", async () => {
  let now = 1_000_000;
  const held = new Map([["old", now - SETTLE_AFTER_MS - 1], ["recent", now - 1_000]]);
  const released: string[] = [];
  let reached = false;
  const sweep = heldSweeper(
    {
      heldBefore: (ms) => Promise.resolve([...held].filter(([, at]) => at < ms).map(([id]) => id)),
      release: (id) => Promise.resolve(released.push(id) > 0 && held.delete(id)),
    },
    { end: () => Promise.resolve({ "0": "10" }), reached: () => Promise.resolve(reached) },
    { now: () => new Date(now) },
    createLogger({}, "error", () => {}),
  );
  await sweep(); // notes the end offsets
  await sweep(); // the group has not applied up to them yet
  assert.deepEqual(released, []);
  reached = true;
  now += 5_000;
  await sweep();
  assert.deepEqual(released, ["old"], "the recent one may still be written by a late retry");
});
