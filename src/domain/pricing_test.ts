import assert from "node:assert/strict";
import type { MenuExtra, MenuPizza } from "./menu.ts";
import { BACON, CLASSIC, MARGHERITA, MOZZARELLA, PEPPERONI } from "./_test_menu.ts";
import { priceLines, slotWeight } from "./pricing.ts";

Deno.test("`priceLines()` prices the seed's example: Пицца Классическая 96200 × 2 = 192400 kopecks", () => {
  const priced = priceLines([{ pizza: CLASSIC, quantity: 2, extras: [] }]);
  assert.equal(priced.totalPriceKopecks, 192_400);
  assert.equal(priced.itemsCount, 2);
  assert.deepEqual(priced.items, [{
    pizzaName: "Пицца Классическая",
    quantity: 2,
    unitPriceKopecks: 96_200,
    lineTotalKopecks: 192_400,
    extras: [],
    ingredients: CLASSIC.ingredients,
    station: "pizza",
  }]);
});

Deno.test("`priceLines()` multiplies menu price plus extras by quantity", () => {
  const priced = priceLines([{ pizza: MARGHERITA, quantity: 3, extras: [BACON, MOZZARELLA] }]);
  const unit = 59_000 + 12_500 + 9_000;
  assert.equal(priced.items[0].unitPriceKopecks, unit);
  assert.equal(priced.items[0].lineTotalKopecks, unit * 3);
  assert.equal(priced.totalPriceKopecks, 241_500);
  assert.deepEqual(priced.items[0].extras, [
    { name: "Бекон", priceKopecks: 12_500, grams: 40 },
    { name: "Моцарелла", priceKopecks: 9_000, grams: 50 },
  ]);
});

Deno.test("`priceLines()` sums line totals and pizza counts over several lines", () => {
  const priced = priceLines([
    { pizza: CLASSIC, quantity: 2, extras: [] },
    { pizza: PEPPERONI, quantity: 1, extras: [BACON] },
    { pizza: MARGHERITA, quantity: 4, extras: [] },
  ]);
  assert.deepEqual(priced.items.map((i) => i.lineTotalKopecks), [192_400, 92_400, 236_000]);
  assert.equal(priced.totalPriceKopecks, 192_400 + 92_400 + 236_000);
  assert.equal(priced.itemsCount, 7);
  assert.deepEqual(priced.items.map((i) => i.station), ["pizza", "oven", "pizza"]);
});

Deno.test("`priceLines()` lists the recipe's doses, then extras as ingredients", () => {
  const priced = priceLines([{ pizza: PEPPERONI, quantity: 2, extras: [BACON] }]);
  assert.deepEqual(priced.items[0].ingredients, [
    { name: "Тесто", grams: 250 },
    { name: "Пепперони", grams: 90 },
    { name: "Бекон", grams: 40 },
  ]);
});

Deno.test("`priceLines()` adds up grams of a repeated extra and of an extra already in the recipe", () => {
  const priced = priceLines([{ pizza: CLASSIC, quantity: 1, extras: [BACON, MOZZARELLA, BACON] }]);
  assert.deepEqual(priced.items[0].ingredients, [
    { name: "Тесто", grams: 250 },
    { name: "Томатный соус", grams: 80 },
    { name: "Моцарелла", grams: 170 },
    { name: "Бекон", grams: 80 },
  ]);
  // Extras stay listed one by one, so the unit price can be checked against them.
  assert.equal(priced.items[0].extras.length, 3);
  assert.equal(priced.items[0].unitPriceKopecks, 96_200 + 12_500 + 9_000 + 12_500);
});

Deno.test("`priceLines()` does not change the menu's ingredient lists", () => {
  const before = structuredClone(CLASSIC.ingredients);
  priceLines([{ pizza: CLASSIC, quantity: 1, extras: [MOZZARELLA] }]);
  assert.deepEqual(CLASSIC.ingredients, before);
});

Deno.test("`priceLines()` returns zero totals for no lines", () => {
  assert.deepEqual(priceLines([]), { items: [], totalPriceKopecks: 0, itemsCount: 0 });
});

Deno.test("`priceLines()` refuses negative, fractional or unsafe prices instead of pricing them", () => {
  const withPrice = (priceKopecks: number): MenuPizza => ({ ...MARGHERITA, priceKopecks });
  for (const bad of [-100, 99.5, Number.NaN, 2 ** 53]) {
    assert.throws(
      () => priceLines([{ pizza: withPrice(bad), quantity: 1, extras: [] }]),
      RangeError,
      String(bad),
    );
  }
  const negativeExtra: MenuExtra = { ...BACON, priceKopecks: -12_500 };
  assert.throws(
    () => priceLines([{ pizza: MARGHERITA, quantity: 1, extras: [negativeExtra] }]),
    RangeError,
  );
});

Deno.test("`priceLines()` refuses a total beyond safe integers rather than rounding it", () => {
  const huge: MenuPizza = { ...MARGHERITA, priceKopecks: 2 ** 50 };
  assert.throws(() => priceLines([{ pizza: huge, quantity: 50, extras: [] }]), RangeError);
});

Deno.test("`priceLines()` refuses a zero or fractional quantity and fractional grams", () => {
  assert.throws(() => priceLines([{ pizza: CLASSIC, quantity: 0, extras: [] }]), RangeError);
  assert.throws(() => priceLines([{ pizza: CLASSIC, quantity: 1.5, extras: [] }]), RangeError);
  const oddExtra: MenuExtra = { ...BACON, grams: 12.5 };
  assert.throws(
    () => priceLines([{ pizza: CLASSIC, quantity: 1, extras: [oddExtra] }]),
    RangeError,
  );
});

Deno.test("`slotWeight()` measures value in kopecks, items in pizzas, orders as one", () => {
  assert.equal(slotWeight("value", 192_400, 2), 192_400);
  assert.equal(slotWeight("items", 192_400, 2), 2);
  assert.equal(slotWeight("orders", 192_400, 2), 1);
});

Deno.test("`slotWeight()` never returns a negative load", () => {
  assert.throws(() => slotWeight("value", -500, 1), RangeError);
  assert.throws(() => slotWeight("items", 500, -1), RangeError);
});
