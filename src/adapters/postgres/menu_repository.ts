/**
 * The menu in PostgreSQL: what intake prices with (loadMenu), what managers change (setPrice,
 * setAvailability — the stop-list), and the REST view (listMenu).
 *
 * Every change also sends NOTIFY on MENU_CHANGED_CHANNEL in its transaction, so a process holding
 * the menu in memory can LISTEN and reload (it should also reload periodically: a notification is
 * lost while its connection is down).
 */
import type { Ingredient, Menu, MenuExtra, MenuPizza } from "../../domain/menu.ts";
import { normalizeName } from "../../domain/normalize.ts";
import type { Queryable } from "./pool.ts";

export type MenuKind = "pizza" | "extra";

export const MENU_CHANGED_CHANNEL = "ovenline_menu_changed";

export interface MenuPizzaView extends MenuPizza {
  readonly kind: "pizza";
  readonly sortOrder: number | null;
  /** ISO-8601 UTC */
  readonly updatedAt: string;
}

export interface MenuExtraView extends MenuExtra {
  readonly kind: "extra";
  readonly sortOrder: number | null;
  /** ISO-8601 UTC */
  readonly updatedAt: string;
}

export type MenuItemView = MenuPizzaView | MenuExtraView;

/** The menu for REST and the dashboard: everything, stop-listed items included, in menu order. */
export interface MenuView {
  readonly pizzas: readonly MenuPizzaView[];
  readonly extras: readonly MenuExtraView[];
}

/** No pizza (or extra) has that name. */
export class MenuItemNotFoundError extends Error {
  constructor(readonly kind: MenuKind, readonly itemName: string) {
    super(`no ${kind} named "${itemName}" on the menu`);
    this.name = "MenuItemNotFoundError";
  }
}

interface PizzaRow {
  code: string;
  name: string;
  price_kopecks: string; // bigint arrives as text
  station: string;
  available: boolean;
  sort_order: number | null;
  updated_at: Date;
  ingredients: Ingredient[];
}

interface ExtraRow {
  code: string;
  name: string;
  price_kopecks: string;
  grams: number;
  available: boolean;
  sort_order: number | null;
  updated_at: Date;
}

const PIZZA_COLUMNS = `
  p.code, p.name, p.price_kopecks, p.station, p.available, p.sort_order, p.updated_at,
  COALESCE(
    (SELECT json_agg(json_build_object('name', i.name, 'grams', i.grams) ORDER BY i.position)
       FROM pizza_ingredients i WHERE i.pizza_code = p.code),
    '[]'::json
  ) AS ingredients`;

const EXTRA_COLUMNS =
  "e.code, e.name, e.price_kopecks, e.grams, e.available, e.sort_order, e.updated_at";

function kopecks(text: string, code: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`price of ${code} is out of range: ${text}`);
  }
  return value;
}

function pizzaView(row: PizzaRow): MenuPizzaView {
  return {
    kind: "pizza",
    code: row.code,
    name: row.name,
    priceKopecks: kopecks(row.price_kopecks, row.code),
    ingredients: row.ingredients.map((i) => ({ name: i.name, grams: i.grams })),
    station: row.station,
    available: row.available,
    sortOrder: row.sort_order,
    updatedAt: row.updated_at.toISOString(),
  };
}

function extraView(row: ExtraRow): MenuExtraView {
  return {
    kind: "extra",
    code: row.code,
    name: row.name,
    priceKopecks: kopecks(row.price_kopecks, row.code),
    grams: row.grams,
    available: row.available,
    sortOrder: row.sort_order,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Everything on the menu, stop-listed items included, in menu order. */
export async function listMenu(db: Queryable): Promise<MenuView> {
  const pizzas = await db.query<PizzaRow>(
    `SELECT ${PIZZA_COLUMNS} FROM pizzas p ORDER BY p.sort_order NULLS LAST, p.name`,
  );
  const extras = await db.query<ExtraRow>(
    `SELECT ${EXTRA_COLUMNS} FROM extras e ORDER BY e.sort_order NULLS LAST, e.name`,
  );
  return { pizzas: pizzas.rows.map(pizzaView), extras: extras.rows.map(extraView) };
}

function keyed<T extends { readonly name: string }>(items: readonly T[], kind: MenuKind) {
  const map = new Map<string, T>();
  for (const item of items) {
    const key = normalizeName(item.name);
    if (map.has(key)) throw new Error(`menu has two ${kind}s named "${key}"`);
    map.set(key, item);
  }
  return map;
}

/**
 * The menu as intake prices it: pizzas and extras keyed by normalised name. Stop-listed items are
 * included (available = false) so that intake can name them in its out-of-stock answer.
 */
export async function loadMenu(db: Queryable): Promise<Menu> {
  const view = await listMenu(db);
  const pizzas: MenuPizza[] = view.pizzas.map((p) => ({
    code: p.code,
    name: p.name,
    priceKopecks: p.priceKopecks,
    ingredients: p.ingredients,
    station: p.station,
    available: p.available,
  }));
  const extras: MenuExtra[] = view.extras.map((e) => ({
    code: e.code,
    name: e.name,
    priceKopecks: e.priceKopecks,
    grams: e.grams,
    available: e.available,
  }));
  return { pizzas: keyed(pizzas, "pizza"), extras: keyed(extras, "extra") };
}

const TABLE: Readonly<Record<MenuKind, string>> = { pizza: "pizzas", extra: "extras" };

function tableOf(kind: MenuKind): string {
  const table = TABLE[kind];
  if (table === undefined) throw new TypeError(`unknown menu kind ${String(kind)}`);
  return table;
}

/**
 * Applies `assignments` ($1 is the value) to the item named `name` and returns it afterwards.
 * Names are stored normalised (the schema enforces it), so the normalised name matches exactly.
 */
async function updateItem(
  db: Queryable,
  kind: MenuKind,
  name: string,
  assignments: string,
  value: unknown,
): Promise<MenuItemView> {
  const table = tableOf(kind);
  const key = normalizeName(name);
  const alias = kind === "pizza" ? "p" : "e";
  const columns = kind === "pizza" ? PIZZA_COLUMNS : EXTRA_COLUMNS;
  // One statement: the update, its NOTIFY (delivered on commit) and the row as it now is.
  const { rows } = await db.query<PizzaRow & ExtraRow>(
    `WITH changed AS (
       UPDATE ${table} SET ${assignments}, updated_at = now() WHERE name = $2
       RETURNING *, pg_notify($3, json_build_object('kind', $4::text, 'code', code)::text)
     )
     SELECT ${columns} FROM changed ${alias}`,
    [value, key, MENU_CHANGED_CHANNEL, kind],
  );
  if (rows.length === 0) throw new MenuItemNotFoundError(kind, key);
  return kind === "pizza" ? pizzaView(rows[0]) : extraView(rows[0]);
}

/** Sets the price (kopecks, a positive integer) of the pizza or extra named `name`. */
export function setPrice(
  db: Queryable,
  kind: MenuKind,
  name: string,
  priceKopecks: number,
): Promise<MenuItemView> {
  if (!Number.isSafeInteger(priceKopecks) || priceKopecks <= 0) {
    return Promise.reject(
      new RangeError(`price must be a positive whole number of kopecks, got ${priceKopecks}`),
    );
  }
  return updateItem(db, kind, name, "price_kopecks = $1::bigint", priceKopecks);
}

/** Puts the pizza or extra named `name` on (available = false) or off the stop-list. */
export function setAvailability(
  db: Queryable,
  kind: MenuKind,
  name: string,
  available: boolean,
): Promise<MenuItemView> {
  if (typeof available !== "boolean") {
    return Promise.reject(new TypeError("available must be true or false"));
  }
  return updateItem(db, kind, name, "available = $1::boolean", available);
}
