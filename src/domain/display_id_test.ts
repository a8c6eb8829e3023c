import assert from "node:assert/strict";
import { displaySequenceKey, formatDisplayId, parseDisplayId } from "./display_id.ts";

Deno.test("`formatDisplayId()` pads to three digits and grows beyond them", () => {
  assert.equal(formatDisplayId(1), "001");
  assert.equal(formatDisplayId(42), "042");
  assert.equal(formatDisplayId(999), "999");
  assert.equal(formatDisplayId(1000), "1000");
  assert.equal(formatDisplayId(123456), "123456");
});

Deno.test("`formatDisplayId()` gives 10,000 consecutive sequences 10,000 distinct ids", () => {
  const ids = new Set<string>();
  for (let seq = 1; seq <= 10_000; seq++) ids.add(formatDisplayId(seq));
  assert.equal(ids.size, 10_000);
});

Deno.test("`formatDisplayId()` rejects zero, negative, fractional and unsafe sequences", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.throws(() => formatDisplayId(bad), RangeError, String(bad));
  }
});

Deno.test("`parseDisplayId()` reads back what `formatDisplayId()` wrote", () => {
  for (const seq of [1, 9, 10, 99, 100, 999, 1000, 4242, 100_000]) {
    assert.equal(parseDisplayId(formatDisplayId(seq)), seq);
  }
});

Deno.test("`parseDisplayId()` rejects non-canonical and malformed text", () => {
  for (
    const bad of [
      "",
      "1",
      "42",
      "000",
      "0042",
      "01000",
      "abc",
      "04a",
      " 042",
      "042 ",
      "-01",
      "+042",
      "1e3",
    ]
  ) {
    assert.equal(parseDisplayId(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("`displaySequenceKey()` scopes the counter by kitchen and ISO business date", () => {
  const date = Temporal.PlainDate.from("2026-11-26");
  assert.equal(displaySequenceKey("main", date), "display:main:2026-11-26");
  assert.equal(
    displaySequenceKey("north-2", Temporal.PlainDate.from("2027-01-05")),
    "display:north-2:2027-01-05",
  );
});

Deno.test("`displaySequenceKey()` differs between days and between kitchens", () => {
  const monday = Temporal.PlainDate.from("2026-11-23");
  const keys = new Set([
    displaySequenceKey("main", monday),
    displaySequenceKey("main", monday.add({ days: 1 })),
    displaySequenceKey("north", monday),
  ]);
  assert.equal(keys.size, 3);
});
