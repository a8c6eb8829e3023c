import assert from "node:assert/strict";
import { bestOffset, measureOffset } from "./server_clock.js";

Deno.test("`measureOffset()` takes the server time as of half-way through the round trip", () => {
  const sentMs = Date.parse("2026-11-26T09:00:00.000Z");
  const pong = { sentMs, receivedMs: sentMs + 200, at: "2026-11-26T09:02:00.100Z" };
  assert.deepEqual(measureOffset(pong), { offsetMs: 120_000, rttMs: 200 });
});

Deno.test("`measureOffset()` gives nothing, when the pong time is unreadable or time ran backwards", () => {
  assert.equal(measureOffset({ sentMs: 10, receivedMs: 20, at: "soon" }), undefined);
  assert.equal(
    measureOffset({ sentMs: 20, receivedMs: 10, at: "2026-11-26T09:00:00Z" }),
    undefined,
  );
});

Deno.test("`bestOffset()` trusts the quickest recent round trip, and is 0 without samples", () => {
  assert.equal(bestOffset([]), 0);
  assert.equal(
    bestOffset([{ offsetMs: 500, rttMs: 300 }, { offsetMs: 100, rttMs: 20 }, {
      offsetMs: 900,
      rttMs: 80,
    }]),
    100,
  );
  assert.equal(
    bestOffset([{ offsetMs: 1, rttMs: 1 }, { offsetMs: 2, rttMs: 5 }], 1),
    2,
    "only the newest kept",
  );
});
