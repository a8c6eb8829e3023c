import assert from "node:assert/strict";
import { createLogger } from "../../observability/logger.ts";
import { STALE_SEND_MS } from "../../adapters/redis/held_bookings.ts";
import { heldSweeper, SETTLE_AFTER_MS } from "./held_sweeper.ts";

function sweeperOver(state: {
  now: number;
  held: Map<string, number>;
  sending: Map<string, number>;
  reached: boolean;
}) {
  const released: string[] = [];
  const sweep = heldSweeper(
    {
      count: () => Promise.resolve(state.held.size),
      heldBefore: (ms) =>
        Promise.resolve([...state.held].filter(([, at]) => at < ms).map(([id]) => id)),
      staleSends: (now) =>
        Promise.resolve(
          [...state.sending].filter(([, at]) => at < now.getTime() - STALE_SEND_MS).map(([id]) =>
            id
          ),
        ),
      holdStale: (id, now) => {
        state.sending.delete(id);
        state.held.set(id, now.getTime());
        return Promise.resolve(true);
      },
      release: (id) => Promise.resolve(released.push(id) > 0 && state.held.delete(id)),
    },
    { end: () => Promise.resolve({ "0": "10" }), reached: () => Promise.resolve(state.reached) },
    { now: () => new Date(state.now) },
    createLogger({}, "error", () => {}),
  );
  return { sweep, released };
}

Deno.test("`heldSweeper()` releases a held booking only after the group passed a mark taken well after it", async () => {
  const now = 1_000_000;
  const state = {
    now,
    held: new Map([["old", now - SETTLE_AFTER_MS - 1], ["recent", now - 1_000]]),
    sending: new Map<string, number>(),
    reached: false,
  };
  const { sweep, released } = sweeperOver(state);
  await sweep(); // notes the end offsets
  await sweep(); // the group has not applied up to them yet
  assert.deepEqual(released, []);
  state.reached = true;
  state.now += 5_000;
  await sweep();
  assert.deepEqual(released, ["old"], "the recent one may still be written by a late retry");
});

Deno.test("`heldSweeper()` holds a booking whose send never finished, then releases it like any held one", async () => {
  const start = 1_000_000;
  const state = {
    now: start,
    held: new Map<string, number>(),
    sending: new Map([["orphan", start - STALE_SEND_MS - 2_000], ["busy", start - 1_000]]),
    reached: true,
  };
  const { sweep, released } = sweeperOver(state);
  await sweep();
  assert.deepEqual([...state.held.keys()], ["orphan"], "held, not released: it may have landed");
  assert.deepEqual([...state.sending.keys()], ["busy"], "a send under way is left alone");
  assert.deepEqual(released, []);
  await sweep(); // the mark noted with it is too close to when it was held: nothing yet
  assert.deepEqual(released, []);
  state.now += SETTLE_AFTER_MS + 5_000;
  await sweep(); // a new mark, well after the booking was held
  await sweep(); // the group has passed it
  assert.deepEqual(released, ["orphan"]);
});
