import assert from "node:assert/strict";
import { codePointLength, isBlank, quoted, textProblem, truncated } from "./text.ts";

Deno.test("`codePointLength()` counts code points, not UTF-16 units", () => {
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("Иван"), 4);
  assert.equal(codePointLength("🍕🍕"), 2);
  assert.equal("🍕🍕".length, 4);
});

Deno.test("`textProblem()` accepts ordinary text in any script", () => {
  for (const ok of ["Иван", "ул. Ленина, д. 1", "Zoë", "李", "🍕 party", ""]) {
    assert.equal(textProblem(ok), undefined, ok);
  }
});

Deno.test("`textProblem()` rejects every control character, tabs and line breaks included", () => {
  for (
    const bad of ["a\u0000b", "a\tb", "line\nbreak", "cr\r", "\u001b[31m", "del\u007f", "c1\u0085"]
  ) {
    assert.match(textProblem(bad) ?? "", /control characters/, JSON.stringify(bad));
  }
});

Deno.test("`textProblem()` rejects lone surrogates", () => {
  for (const bad of ["\ud800", "a\udc00b", "\ud83d"]) {
    assert.match(textProblem(bad) ?? "", /unpaired surrogate/, JSON.stringify(bad));
  }
});

Deno.test("`quoted()` wraps short text in quotes and cuts long text with an ellipsis", () => {
  assert.equal(quoted("Пицца X"), '"Пицца X"');
  assert.equal(quoted("abcdef", 3), '"abc…"');
  assert.equal(quoted("🍕🍕🍕🍕", 2), '"🍕🍕…"');
  assert.equal(quoted("abc", 3), '"abc"');
});

Deno.test("`truncated()` leaves short text alone and cuts long text by code points", () => {
  assert.equal(truncated("12345", 5), "12345");
  assert.equal(truncated("123456", 5), "12345…");
  assert.equal(truncated("Пицца Классическая", 5), "Пицца…");
});

Deno.test("`textProblem()` rejects the Unicode line and paragraph separators as line breaks", () => {
  for (const bad of ["a\u2028b", "a\u2029b"]) {
    assert.match(textProblem(bad) ?? "", /control characters/, JSON.stringify(bad));
  }
  for (const ok of ["משה", "👨‍👩‍👧", "Zoe\u0308", "Анна\u00a0Мария"]) {
    assert.equal(textProblem(ok), undefined, JSON.stringify(ok));
  }
});

Deno.test("`isBlank()` is true for text that shows nothing: whitespace and zero-width characters", () => {
  for (
    const blank of [
      "",
      " ",
      "\u00a0\u3000",
      "\u200b",
      "\u200b\u200c\u200d",
      "\ufeff",
      "\u2060",
      "\u00ad",
      "\u200e\u200f",
    ]
  ) {
    assert.equal(isBlank(blank), true, JSON.stringify(blank));
  }
  for (const text of ["a", "\u200bИ", "🍕", "\u0301", "."]) {
    assert.equal(isBlank(text), false, JSON.stringify(text));
  }
});

Deno.test("`textProblem()` rejects bidirectional controls, which can make a name show as another", () => {
  const controls = [
    ..."\u202a\u202b\u202c\u202d\u202e", // embeddings, overrides, pop
    ..."\u2066\u2067\u2068\u2069", // isolates
    ..."\u200e\u200f\u061c", // direction marks
  ];
  for (const control of controls) {
    const name = `Иван${control}авонavI`;
    assert.match(textProblem(name) ?? "", /bidirectional control/, JSON.stringify(name));
  }
  // Right-to-left letters need none of them and stay accepted.
  for (const ok of ["משה כהן", "محمد", "Иван (איוואן)"]) {
    assert.equal(textProblem(ok), undefined, JSON.stringify(ok));
  }
});
