/** Prices validated lines from the menu, in integer kopecks, and sizes an order's slot load. */
import type { CapacityUnit } from "./kitchen.ts";
import type { Ingredient, MenuExtra } from "./menu.ts";
import type { OrderItem, PricedExtra } from "./order.ts";
import type { ValidOrderLine } from "./validation.ts";

export interface PricedOrder {
  readonly items: OrderItem[];
  readonly totalPriceKopecks: number;
  /** Pizzas in the order (sum of quantities). */
  readonly itemsCount: number;
}

/** unit price = pizza + its extras; line total = unit × quantity; everything an exact integer. */
export function priceLines(lines: readonly ValidOrderLine[]): PricedOrder {
  const items: OrderItem[] = [];
  let totalPriceKopecks = 0;
  let itemsCount = 0;
  for (const line of lines) {
    const { pizza, quantity, extras } = line;
    requireCount(quantity, `quantity of ${pizza.name}`);
    const unitPriceKopecks = extras.reduce(
      (sum, extra) => sum + requireKopecks(extra.priceKopecks, `price of extra ${extra.name}`),
      requireKopecks(pizza.priceKopecks, `price of ${pizza.name}`),
    );
    const lineTotalKopecks = requireKopecks(unitPriceKopecks * quantity, `total of ${pizza.name}`);
    totalPriceKopecks = requireKopecks(totalPriceKopecks + lineTotalKopecks, "order total");
    itemsCount += quantity;
    items.push({
      pizzaName: pizza.name,
      quantity,
      unitPriceKopecks,
      lineTotalKopecks,
      extras: extras.map(pricedExtra),
      ingredients: ingredientsOf(pizza.ingredients, extras),
      station: pizza.station,
    });
  }
  return { items, totalPriceKopecks, itemsCount };
}

/** The load an order books in its slot, in the kitchen's capacity unit. */
export function slotWeight(
  unit: CapacityUnit,
  totalPriceKopecks: number,
  itemsCount: number,
): number {
  switch (unit) {
    case "value":
      return requireKopecks(totalPriceKopecks, "order total");
    case "items":
      return requireCount(itemsCount, "items count");
    case "orders":
      return 1;
  }
}

/**
 * Doses for one pizza: its recipe, then each extra as an ingredient. Doses are summed by name, so a
 * doubled extra, or an extra that is also in the recipe, shows as one line with the total grams.
 */
function ingredientsOf(recipe: readonly Ingredient[], extras: readonly MenuExtra[]): Ingredient[] {
  const grams = new Map<string, number>();
  const add = (name: string, amount: number) => {
    requireCount(amount, `grams of ${name}`, 0);
    grams.set(name, (grams.get(name) ?? 0) + amount);
  };
  for (const ingredient of recipe) add(ingredient.name, ingredient.grams);
  for (const extra of extras) add(extra.name, extra.grams);
  return [...grams].map(([name, total]) => ({ name, grams: total }));
}

function pricedExtra(extra: MenuExtra): PricedExtra {
  return { name: extra.name, priceKopecks: extra.priceKopecks, grams: extra.grams };
}

/** Money is a non-negative safe integer of kopecks; anything else is a bug in the menu or the maths. */
function requireKopecks(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative whole number of kopecks, got ${value}`);
  }
  return value;
}

function requireCount(value: number, what: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be a whole number ≥ ${min}, got ${value}`);
  }
  return value;
}
