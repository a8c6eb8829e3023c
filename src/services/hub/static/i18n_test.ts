import assert from "node:assert/strict";
import { ORDER_STATUSES } from "../../../domain/status.ts";
import { LANGS, MESSAGES, otherLang, pickLang, stationName, translate } from "./i18n.js";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

Deno.test("`MESSAGES` has the same keys in Russian and English", () => {
  assert.deepEqual(Object.keys(MESSAGES.en).sort(), Object.keys(MESSAGES.ru).sort());
});

Deno.test("`MESSAGES` uses the same {placeholders} in both languages, for every key", () => {
  for (const key of Object.keys(MESSAGES.ru)) {
    assert.deepEqual(placeholders(MESSAGES.en[key]), placeholders(MESSAGES.ru[key]), key);
  }
});

Deno.test("`MESSAGES` names every order status and every KDS tap action", () => {
  for (const lang of LANGS) {
    for (const status of ORDER_STATUSES) {
      assert.ok(MESSAGES[lang][`status.${status}`], `${lang} ${status}`);
    }
    for (const status of ["pending", "preparing", "cooking", "ready"]) {
      assert.ok(MESSAGES[lang][`kds.action.${status}`], `${lang} action ${status}`);
    }
  }
});

Deno.test("`translate()` fills in params and shows the required Russian and English banner texts", () => {
  assert.equal(translate("ru", "conn.offline"), "Нет связи — переподключение…");
  assert.equal(translate("en", "conn.offline"), "Offline — reconnecting…");
  assert.equal(translate("ru", "kds.soundEnable"), "Нажмите, чтобы включить звук");
  assert.equal(translate("en", "kds.soundEnable"), "Tap to enable sound");
  assert.equal(translate("ru", "station.all"), "Все");
  assert.equal(translate("en", "station.all"), "All");
  assert.equal(translate("en", "conn.retryIn", { seconds: 4 }), "retry in 4 s");
  assert.equal(translate("ru", "kds.grams", { grams: 150 }), "150 г");
});

Deno.test("`translate()` falls back to the fallback text, then the key, when a message is missing", () => {
  assert.equal(translate("en", "station.grill", {}, "grill"), "grill");
  assert.equal(translate("en", "no.such.key"), "no.such.key");
  assert.equal(
    translate("en", "conn.retryIn"),
    "retry in {seconds} s",
    "unknown params stay visible",
  );
});

Deno.test("`pickLang()` prefers ?lang, then the stored choice, then Russian", () => {
  assert.equal(pickLang(null, null), "ru");
  assert.equal(pickLang("en", "ru"), "en");
  assert.equal(pickLang(" EN ", null), "en");
  assert.equal(pickLang("de", "en"), "en");
  assert.equal(pickLang("de", "fr"), "ru");
  assert.equal(otherLang("ru"), "en");
  assert.equal(otherLang("en"), "ru");
});

Deno.test("`stationName()` translates known stations and shows others as configured", () => {
  assert.equal(stationName("ru", "pizza"), "Пицца");
  assert.equal(stationName("en", "dessert"), "Desserts");
  assert.equal(stationName("ru", "grill"), "grill");
});
