import assert from "node:assert/strict";
import {
  formatDuration,
  formatMoney,
  formatTime,
  formatTimeRange,
  moneyInputValue,
  parseMoney,
} from "./format.js";

/** Intl uses no-break spaces in numbers; compare them as plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

Deno.test("`formatTime()` shows the instant in the kitchen's zone, not the machine's", () => {
  const iso = "2026-11-26T09:30:00.000Z";
  assert.equal(formatTime(iso, "Europe/Moscow", "ru"), "12:30");
  assert.equal(formatTime(iso, "Asia/Vladivostok", "en"), "19:30");
  assert.equal(formatTime(iso, "Etc/GMT+3", "ru"), "06:30");
  assert.equal(
    formatTime("2026-11-26T21:05:00.000Z", "Europe/Moscow", "en"),
    "00:05",
    "24-hour clock",
  );
});

Deno.test("`formatTime()` shows a dash, when the time is missing or unreadable", () => {
  assert.equal(formatTime(undefined, "Europe/Moscow", "ru"), "—");
  assert.equal(formatTime("not a time", "Europe/Moscow", "ru"), "—");
});

Deno.test("`formatTimeRange()` joins a slot's start and end", () => {
  assert.equal(
    formatTimeRange("2026-11-26T09:30:00Z", "2026-11-26T09:45:00Z", "Europe/Moscow", "ru"),
    "12:30–12:45",
  );
});

Deno.test("`formatMoney()` shows kopecks as roubles with kopecks and the ₽ sign", () => {
  assert.equal(plain(formatMoney(96200, "ru")), "962,00 ₽");
  assert.equal(plain(formatMoney(192450, "ru")), "1 924,50 ₽");
  assert.equal(plain(formatMoney(96205, "en")), "₽962.05");
  assert.equal(formatMoney(Number.NaN, "ru"), "—");
});

Deno.test("`parseMoney()` reads roubles as typed, with a comma or a point, into kopecks", () => {
  assert.equal(parseMoney("962"), 96200);
  assert.equal(parseMoney("962,5"), 96250);
  assert.equal(parseMoney("962.05"), 96205);
  assert.equal(parseMoney(" 1 234,00 ₽ "), 123400);
  assert.equal(parseMoney("1\u00a0234,00\u00a0₽"), 123400);
  assert.equal(parseMoney("0"), 0);
});

Deno.test("`parseMoney()` refuses what is not an amount, when typed wrong", () => {
  for (const bad of ["", "abc", "-5", "1,234", "9.999", "1e3", "12,3,4"]) {
    assert.equal(parseMoney(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("`moneyInputValue()` gives the price field text in the page's decimal style", () => {
  assert.equal(moneyInputValue(96200, "ru"), "962,00");
  assert.equal(moneyInputValue(5, "en"), "0.05");
  assert.equal(parseMoney(moneyInputValue(123456, "ru")), 123456, "round trip");
});

Deno.test("`formatDuration()` shows m:ss, and h:mm:ss from an hour", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(65_999), "1:05");
  assert.equal(formatDuration(3_600_000 + 61_000), "1:01:01");
  assert.equal(formatDuration(-5000), "0:00");
});
