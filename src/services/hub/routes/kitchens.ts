/** Kitchen configuration and today's slots. The hub's API is the one writer of kitchen settings. */
import { Hono } from "hono";
import { BadRequestError, NotFoundError } from "../../../adapters/http/errors.ts";
import { ValidationError } from "../../../domain/errors.ts";
import type { KitchenConfig } from "../../../domain/kitchen.ts";
import { validateKitchenConfig } from "../../../domain/kitchen_config.ts";
import { requireRole } from "../access.ts";
import { jsonObject } from "../request_body.ts";
import type { DaySlots } from "../slot_view.ts";
import type { HubEnv } from "./hub_env.ts";

export interface KitchenRoutesDeps {
  readonly list: () => KitchenConfig[];
  readonly get: (id: string) => KitchenConfig | undefined;
  readonly save: (config: KitchenConfig) => Promise<KitchenConfig>;
  readonly slots: (
    kitchen: KitchenConfig,
    date: Temporal.PlainDate | undefined,
  ) => Promise<DaySlots>;
  readonly kitchenId: (requested: string | undefined) => string;
}

export function kitchenRoutes(deps: KitchenRoutesDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  const kitchen = (id: string) => {
    const k = deps.get(id);
    if (!k) throw new NotFoundError(`kitchen ${id.slice(0, 64)} not found`);
    return k;
  };
  app.get("/kitchens", (c) => c.json({ kitchens: deps.list() }));
  app.get("/kitchens/:id", (c) => c.json(kitchen(c.req.param("id"))));
  app.put("/kitchens/:id", async (c) => {
    requireRole(c, "manager");
    const id = c.req.param("id");
    kitchen(id);
    const body = await jsonObject(c);
    const checked = validateKitchenConfig({ ...body, id });
    if (!checked.ok) throw new ValidationError(checked.violations);
    return c.json(await deps.save(checked.value));
  });
  app.get("/slots", async (c) => {
    const k = kitchen(deps.kitchenId(c.req.query("kitchen")));
    const dateText = c.req.query("date");
    let date: Temporal.PlainDate | undefined;
    if (dateText && dateText !== "today") {
      try {
        date = Temporal.PlainDate.from(dateText, { overflow: "reject" });
      } catch {
        throw new BadRequestError("date must be YYYY-MM-DD", [{
          field: "date",
          reason: "must be YYYY-MM-DD",
        }]);
      }
    }
    return c.json(await deps.slots(k, date));
  });
  return app;
}
