import assert from "node:assert/strict";
import pg from "pg";
import { normalizeName } from "../../domain/normalize.ts";
import {
  listMenu,
  loadMenu,
  MENU_CHANGED_CHANNEL,
  MenuItemNotFoundError,
  setAvailability,
  setPrice,
} from "./menu_repository.ts";
import { sqlState } from "./pool.ts";
import { withTestDatabase } from "./test_database.ts";

Deno.test("`loadMenu()` on the seeded menu has ≥10 pizzas incl. the seed's «Пицца Классическая» at 962 ₽", async () => {
  await withTestDatabase(async ({ pool }) => {
    const menu = await loadMenu(pool);
    assert.ok(menu.pizzas.size >= 10, `only ${menu.pizzas.size} pizzas`);
    const classic = menu.pizzas.get("Пицца Классическая");
    assert.ok(classic, "the seed's example pizza is on the menu");
    assert.equal(classic.priceKopecks, 96200);
    assert.equal(classic.station, "pizza");
    assert.equal(classic.available, true);
    for (const name of ["Маргарита", "Пепперони", "Четыре сыра", "Гавайская", "Мясная"]) {
      assert.ok(menu.pizzas.has(name), name);
    }
    for (const [key, pizza] of menu.pizzas) {
      assert.equal(key, normalizeName(pizza.name));
      assert.ok(Number.isSafeInteger(pizza.priceKopecks) && pizza.priceKopecks > 0, pizza.name);
      assert.ok(
        pizza.ingredients.length >= 4 && pizza.ingredients.length <= 8,
        `${pizza.name}: ${pizza.ingredients.length} ingredients`,
      );
      for (const ingredient of pizza.ingredients) {
        assert.ok(ingredient.name.length > 0);
        assert.ok(Number.isInteger(ingredient.grams) && ingredient.grams > 0, ingredient.name);
      }
    }
  });
});

Deno.test("`loadMenu()` on the seeded menu has ≥8 extras incl. «Двойной сыр» at 99 ₽ for 50 g", async () => {
  await withTestDatabase(async ({ pool }) => {
    const menu = await loadMenu(pool);
    assert.ok(menu.extras.size >= 8, `only ${menu.extras.size} extras`);
    assert.deepEqual(menu.extras.get("Двойной сыр"), {
      code: "double-cheese",
      name: "Двойной сыр",
      priceKopecks: 9900,
      grams: 50,
      available: true,
    });
    for (const extra of menu.extras.values()) {
      assert.ok(extra.priceKopecks > 0 && extra.grams > 0, extra.name);
    }
  });
});

Deno.test("`loadMenu()` keeps ingredients in recipe order", async () => {
  await withTestDatabase(async ({ pool }) => {
    const menu = await loadMenu(pool);
    assert.deepEqual(menu.pizzas.get("Пепперони")?.ingredients, [
      { name: "Томатный соус", grams: 80 },
      { name: "Моцарелла", grams: 160 },
      { name: "Пепперони", grams: 90 },
      { name: "Орегано", grams: 2 },
    ]);
  });
});

Deno.test("`setPrice()` changes a pizza's and an extra's price as loadMenu sees it, found by untidy name", async () => {
  await withTestDatabase(async ({ pool }) => {
    const before = (await listMenu(pool)).pizzas.find((p) => p.code === "margherita")!;
    const pizza = await setPrice(pool, "pizza", "  Маргарита ", 69900);
    assert.equal(pizza.priceKopecks, 69900);
    assert.ok(pizza.updatedAt >= before.updatedAt);
    await setPrice(pool, "extra", "Двойной   сыр", 12900);
    const menu = await loadMenu(pool);
    assert.equal(menu.pizzas.get("Маргарита")?.priceKopecks, 69900);
    assert.equal(menu.extras.get("Двойной сыр")?.priceKopecks, 12900);
    assert.equal(menu.pizzas.get("Пицца Классическая")?.priceKopecks, 96200, "others untouched");
  });
});

Deno.test("`setPrice()` refuses zero, negative and fractional prices and leaves the price alone", async () => {
  await withTestDatabase(async ({ pool }) => {
    for (const bad of [0, -100, 99.5, Number.NaN, 2 ** 53]) {
      await assert.rejects(setPrice(pool, "pizza", "Маргарита", bad), RangeError, String(bad));
    }
    assert.equal((await loadMenu(pool)).pizzas.get("Маргарита")?.priceKopecks, 64900);
    // The schema refuses it too, whoever writes.
    await assert.rejects(
      pool.query("UPDATE extras SET price_kopecks = 0 WHERE code = 'bacon'"),
      (error: unknown) => sqlState(error) === "23514",
    );
  });
});

Deno.test("`setPrice()` and `setAvailability()` throw MenuItemNotFoundError for an unknown name", async () => {
  await withTestDatabase(async ({ pool }) => {
    await assert.rejects(
      setPrice(pool, "pizza", "Пицца с ананасом и селёдкой", 50000),
      (error: unknown) => error instanceof MenuItemNotFoundError && error.kind === "pizza",
    );
    // A pizza's name is not an extra's.
    await assert.rejects(setAvailability(pool, "extra", "Маргарита", false), MenuItemNotFoundError);
  });
});

Deno.test("`setAvailability()` puts a pizza and an extra on the stop-list and back", async () => {
  await withTestDatabase(async ({ pool }) => {
    const off = await setAvailability(pool, "pizza", "Гавайская", false);
    assert.equal(off.available, false);
    await setAvailability(pool, "extra", "Халапеньо", false);
    let menu = await loadMenu(pool);
    assert.equal(menu.pizzas.get("Гавайская")?.available, false, "still listed, but out of stock");
    assert.equal(menu.extras.get("Халапеньо")?.available, false);
    assert.equal(menu.pizzas.get("Мясная")?.available, true);

    await setAvailability(pool, "pizza", "Гавайская", true);
    menu = await loadMenu(pool);
    assert.equal(menu.pizzas.get("Гавайская")?.available, true);
    assert.equal(menu.extras.get("Халапеньо")?.available, false);
  });
});

Deno.test("`setPrice()` notifies listeners on the menu channel when it commits", async () => {
  await withTestDatabase(async ({ pool, url }) => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      const received = new Promise<string | undefined>((resolve) =>
        listener.on("notification", (n) => n.channel === MENU_CHANGED_CHANNEL && resolve(n.payload))
      );
      await listener.query(`LISTEN ${MENU_CHANGED_CHANNEL}`);
      await setPrice(pool, "pizza", "Пицца Классическая", 99000);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const payload = await Promise.race([
        received,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no notification")), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
      assert.deepEqual(JSON.parse(payload ?? ""), { kind: "pizza", code: "classic" });
    } finally {
      await listener.end();
    }
  });
});

Deno.test("`listMenu()` lists everything in menu order, stop-listed items included", async () => {
  await withTestDatabase(async ({ pool }) => {
    await setAvailability(pool, "pizza", "Дьябло", false);
    const view = await listMenu(pool);
    assert.equal(view.pizzas[0].name, "Пицца Классическая");
    const orders = view.pizzas.map((p) => p.sortOrder ?? Infinity);
    assert.deepEqual(orders, [...orders].sort((a, b) => a - b));
    assert.equal(view.pizzas.find((p) => p.name === "Дьябло")?.available, false);
    assert.ok(
      view.extras.every((e) => e.kind === "extra" && !Number.isNaN(Date.parse(e.updatedAt))),
    );
  });
});

Deno.test("menu schema refuses a name that is not in normalised form, so lookup keys stay unique", async () => {
  await withTestDatabase(async ({ pool }) => {
    for (const name of [" Маргарита", "Маргарита ", "Четыре  сыра", "Cafe\u0301"]) {
      await assert.rejects(
        pool.query(
          "INSERT INTO pizzas (code, name, price_kopecks) VALUES ('x', $1, 100)",
          [name],
        ),
        (error: unknown) => sqlState(error) === "23514",
        JSON.stringify(name),
      );
    }
  });
});
