import assert from "node:assert/strict";
import { normalizeName, normalizePhone } from "./normalize.ts";

Deno.test("`normalizeName()` trims and collapses inner whitespace, including tabs and no-break spaces", () => {
  assert.equal(normalizeName("  Пицца   Классическая "), "Пицца Классическая");
  assert.equal(normalizeName("Пицца\t\u00a0Классическая"), "Пицца Классическая");
  assert.equal(normalizeName("Margherita"), "Margherita");
  assert.equal(normalizeName("   "), "");
});

Deno.test("`normalizeName()` makes composed and decomposed spellings equal (NFC)", () => {
  const decomposed = "Пицца с сыром и\u0306"; // и + combining breve
  const composed = "Пицца с сыром й";
  assert.notEqual(decomposed, composed);
  assert.equal(normalizeName(decomposed), composed);
  assert.equal(normalizeName("Cafe\u0301"), "Café");
});

Deno.test("`normalizeName()` keeps letter case (menu names match exactly)", () => {
  assert.equal(normalizeName("пицца классическая"), "пицца классическая");
});

Deno.test("`normalizePhone()` keeps a number already in E.164", () => {
  assert.equal(normalizePhone("+79001234567"), "+79001234567");
  assert.equal(normalizePhone("+14155552671"), "+14155552671");
});

Deno.test("`normalizePhone()` strips spaces, dashes, dots and parentheses", () => {
  assert.equal(normalizePhone("+7 (900) 123-45-67"), "+79001234567");
  assert.equal(normalizePhone("+7.900.123.45.67"), "+79001234567");
  assert.equal(normalizePhone(" +44 20 7946 0958 "), "+442079460958");
  assert.equal(normalizePhone("+7 900 123\u201345\u201367"), "+79001234567");
});

Deno.test("`normalizePhone()` turns a Russian national 8XXXXXXXXXX into +7XXXXXXXXXX", () => {
  assert.equal(normalizePhone("89001234567"), "+79001234567");
  assert.equal(normalizePhone("8 (900) 123-45-67"), "+79001234567");
});

Deno.test("`normalizePhone()` rejects what is not an international number", () => {
  const rejected = [
    "", // empty
    "9001234567", // national, no country code
    "79001234567", // no plus
    "8900123456", // 8 + nine digits
    "+0123456789", // country code cannot start with 0
    "+1234567", // 7 digits: too short
    "+1234567890123456", // 16 digits: too long
    "+7 900 CALL-NOW", // letters
    "++79001234567",
    "+7900123456 7x",
    "+٧٩٠٠١٢٣٤٥٦٧", // Arabic-Indic digits
    "tel:+79001234567",
  ];
  for (const raw of rejected) assert.equal(normalizePhone(raw), undefined, JSON.stringify(raw));
});

Deno.test("`normalizePhone()` accepts the shortest and longest E.164 lengths", () => {
  assert.equal(normalizePhone("+12345678"), "+12345678"); // 8 digits
  assert.equal(normalizePhone("+123456789012345"), "+123456789012345"); // 15 digits
});
