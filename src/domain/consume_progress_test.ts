import assert from "node:assert/strict";
import { judgeProgress, type OffsetsReading } from "./consume_progress.ts";

const reading = (entries: Record<number, [end: number, committed: number]>): OffsetsReading =>
  new Map(
    Object.entries(entries).map((
      [p, [end, committed]],
    ) => [Number(p), { end: BigInt(end), committed: BigInt(committed) }]),
  );

Deno.test("a quiet topic (nothing waiting) is progress, reading after reading", () => {
  const quiet = reading({ 0: [120, 120], 1: [0, 0] });
  assert.deepEqual(judgeProgress(undefined, quiet, [0, 1]), { kind: "progress" });
  assert.deepEqual(judgeProgress(quiet, quiet, [0, 1]), { kind: "progress" });
});

Deno.test("records waiting with the committed offset moving is progress", () => {
  const before = reading({ 0: [500, 100] });
  const after = reading({ 0: [900, 300] }); // the lag grew, yet the consumer moves
  assert.deepEqual(judgeProgress(before, after, [0]), { kind: "progress" });
});

Deno.test("records waiting and the committed offset where it was is stuck, naming the partition", () => {
  const before = reading({ 0: [500, 100], 1: [10, 10], 2: [40, 30] });
  const after = reading({ 0: [600, 100], 1: [10, 10], 2: [45, 35] });
  assert.deepEqual(judgeProgress(before, after, [2, 1, 0]), {
    kind: "stuck",
    reason: "records waiting and no offset moved (partition 0 at offset 100, 500 behind)",
  });
});

Deno.test("one stuck partition is stuck even while the others move", () => {
  const before = reading({ 0: [50, 10], 1: [50, 10] });
  const after = reading({ 0: [60, 20], 1: [60, 10] });
  assert.equal(judgeProgress(before, after, [0, 1]).kind, "stuck");
});

Deno.test("records that arrived since the last reading have until the next one", () => {
  assert.deepEqual(judgeProgress(undefined, reading({ 3: [7, 0] }), [3]), { kind: "progress" });
  const quiet = reading({ 3: [7, 7] });
  assert.deepEqual(judgeProgress(quiet, reading({ 3: [9, 7] }), [3]), { kind: "progress" });
  assert.equal(
    judgeProgress(reading({ 3: [9, 7] }), reading({ 3: [9, 7] }), [3]).kind,
    "stuck",
    "still there a reading later",
  );
});

Deno.test("only the partitions this consumer holds count", () => {
  const before = reading({ 0: [50, 10], 1: [50, 10] });
  const after = reading({ 0: [60, 20], 1: [60, 10] });
  assert.deepEqual(judgeProgress(before, after, [0]), { kind: "progress" });
  assert.deepEqual(judgeProgress(before, after, []), { kind: "progress" }, "holds none");
});
