/** Menu prices and the stop-list, applied live by intake (NOTIFY → reload). */
import { Hono } from "hono";
import { BadRequestError, NotFoundError } from "../../../adapters/http/errors.ts";
import type {
  MenuItemView,
  MenuKind,
  MenuView,
} from "../../../adapters/postgres/menu_repository.ts";
import { requireRole } from "../access.ts";
import { jsonObject } from "../request_body.ts";
import type { HubEnv } from "./hub_env.ts";

/**
 * Highest price of a pizza or extra (1,000,000 ₽). Bounded so that the largest order (100
 * pizzas with 10 extras each) still totals a safe integer. Unbounded, a price near 2^53 was
 * accepted and then every order of two such pizzas failed with INTERNAL (unsafe total).
 */
export const MAX_PRICE_KOPECKS = 100_000_000;

export interface MenuRoutesDeps {
  readonly list: () => Promise<MenuView>;
  readonly setPrice: (kind: MenuKind, name: string, priceKopecks: number) => Promise<MenuItemView>;
  readonly setAvailable: (
    kind: MenuKind,
    name: string,
    available: boolean,
  ) => Promise<MenuItemView>;
}

export function menuRoutes(deps: MenuRoutesDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  app.get("/menu", async (c) => c.json(await deps.list()));
  for (const [segment, kind] of [["pizzas", "pizza"], ["extras", "extra"]] as const) {
    app.put(`/menu/${segment}/:code`, async (c) => {
      requireRole(c, "manager");
      const code = c.req.param("code");
      const body = await jsonObject(c);
      const { priceKopecks, available } = body;
      const fields = [];
      if (
        priceKopecks !== undefined &&
        (!Number.isSafeInteger(priceKopecks) || (priceKopecks as number) <= 0 ||
          (priceKopecks as number) > MAX_PRICE_KOPECKS)
      ) {
        fields.push({
          field: "priceKopecks",
          reason: `must be a positive whole number of kopecks, at most ${MAX_PRICE_KOPECKS}`,
        });
      }
      if (available !== undefined && typeof available !== "boolean") {
        fields.push({ field: "available", reason: "must be true or false" });
      }
      if (priceKopecks === undefined && available === undefined) {
        fields.push({ field: "priceKopecks", reason: "give priceKopecks, available, or both" });
      }
      if (fields.length > 0) throw new BadRequestError("invalid menu change", fields);
      const menu = await deps.list();
      const item = (kind === "pizza" ? menu.pizzas : menu.extras).find((i) => i.code === code);
      if (!item) throw new NotFoundError(`no ${kind} with code ${code.slice(0, 64)}`);
      let updated: MenuItemView = item;
      if (priceKopecks !== undefined) {
        updated = await deps.setPrice(kind, item.name, priceKopecks as number);
      }
      if (available !== undefined) {
        updated = await deps.setAvailable(kind, item.name, available as boolean);
      }
      return c.json(updated);
    });
  }
  return app;
}
