/** A small menu shared by the domain tests (the seed's example pizza included). */
import type { Menu, MenuExtra, MenuPizza } from "./menu.ts";
import { normalizeName } from "./normalize.ts";

export const CLASSIC: MenuPizza = {
  code: "classic",
  name: "Пицца Классическая",
  priceKopecks: 96_200,
  ingredients: [
    { name: "Тесто", grams: 250 },
    { name: "Томатный соус", grams: 80 },
    { name: "Моцарелла", grams: 120 },
  ],
  station: "pizza",
  available: true,
};

export const MARGHERITA: MenuPizza = {
  code: "margherita",
  name: "Маргарита",
  priceKopecks: 59_000,
  ingredients: [{ name: "Тесто", grams: 250 }, { name: "Моцарелла", grams: 150 }],
  station: "pizza",
  available: true,
};

export const PEPPERONI: MenuPizza = {
  code: "pepperoni",
  name: "Пепперони",
  priceKopecks: 79_900,
  ingredients: [{ name: "Тесто", grams: 250 }, { name: "Пепперони", grams: 90 }],
  station: "oven",
  available: false,
};

export const MOZZARELLA: MenuExtra = {
  code: "mozzarella",
  name: "Моцарелла",
  priceKopecks: 9_000,
  grams: 50,
  available: true,
};

export const BACON: MenuExtra = {
  code: "bacon",
  name: "Бекон",
  priceKopecks: 12_500,
  grams: 40,
  available: true,
};

export const JALAPENO: MenuExtra = {
  code: "jalapeno",
  name: "Халапеньо",
  priceKopecks: 5_000,
  grams: 20,
  available: false,
};

export const TEST_MENU: Menu = {
  pizzas: new Map([CLASSIC, MARGHERITA, PEPPERONI].map((p) => [normalizeName(p.name), p])),
  extras: new Map([MOZZARELLA, BACON, JALAPENO].map((e) => [normalizeName(e.name), e])),
};
