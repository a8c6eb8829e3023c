/**
 * Kitchen configuration and today's slots. Kitchen settings have one writer: this API (saving to
 * PostgreSQL) by default, or the Kitchen resource when the Kitchen operator is on — then `save`
 * edits the resource and the operator applies it (see ../kitchen_writer.ts).
 */
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
  /** applied false: accepted by the source of truth but not applied yet (answered 202). */
  readonly save: (config: KitchenConfig) => Promise<{ config: KitchenConfig; applied: boolean }>;
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
    const saved = await deps.save(checked.value);
    return c.json(saved.config, saved.applied ? 200 : 202);
  });
  app.get("/slots", async (c) => {
    const k = kitchen(deps.kitchenId(c.req.query("kitchen")));
    const dateText = c.req.query("date");
    let date: Temporal.PlainDate | undefined;
    if (dateText && dateText !== "today") {
      try {
        // Only YYYY-MM-DD: Temporal also takes date-times and six-digit years, whose slots
        // fall outside the representable instants (a RangeError, i.e. a 500).
        if (!/^\d{4}-\d{2}-\d{2}$/.test(dateText)) throw new RangeError("not YYYY-MM-DD");
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
