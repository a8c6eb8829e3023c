/**
 * Orders: active, scheduled, one, status change, cancel; and the manager's
 * logged reveal of a customer's contact. Every order is shown as the caller's
 * role may see it (src/domain/personal_data.ts).
 */
import { type Context, Hono } from "hono";
import { BadRequestError, NotFoundError } from "../../../adapters/http/errors.ts";
import type { Order } from "../../../domain/order.ts";
import { showOrder } from "../../../domain/personal_data.ts";
import type { Logger } from "../../../observability/logger.ts";
import { viewFor } from "../order_views.ts";
import { type OrderStatus, parseStatus } from "../../../domain/status.ts";
import { requireRole } from "../access.ts";
import { jsonObject, optionalString } from "../request_body.ts";
import type { HubEnv } from "./hub_env.ts";

export interface OrderRoutesDeps {
  readonly active: (kitchenId: string) => Promise<Order[]>;
  readonly scheduled: (kitchenId: string) => Promise<Order[]>;
  readonly get: (orderId: string) => Promise<Order | undefined>;
  readonly changeStatus: (
    orderId: string,
    to: OrderStatus,
    actor: string,
    reason?: string,
  ) => Promise<Order>;
  readonly kitchenId: (requested: string | undefined) => string;
  readonly logger: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function orderId(raw: string): string {
  if (!UUID.test(raw)) {
    throw new BadRequestError("order id must be a UUID", [{
      field: "id",
      reason: "must be a UUID",
    }]);
  }
  return raw.toLowerCase();
}

export function orderRoutes(deps: OrderRoutesDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  const shown = (c: Context<HubEnv>, order: Order) =>
    showOrder(order, viewFor(c.get("principal").role));
  app.get("/active", async (c) => {
    const orders = await deps.active(deps.kitchenId(c.req.query("kitchen")));
    return c.json({ orders: orders.map((o) => shown(c, o)) });
  });
  app.get("/scheduled", async (c) => {
    const orders = await deps.scheduled(deps.kitchenId(c.req.query("kitchen")));
    return c.json({ orders: orders.map((o) => shown(c, o)) });
  });
  app.get("/:id", async (c) => {
    const id = orderId(c.req.param("id"));
    const order = await deps.get(id);
    if (!order) throw new NotFoundError(`order ${id} not found`);
    return c.json(shown(c, order));
  });
  // The full phone, for a manager who has to call the customer: an explicit action, logged.
  app.post("/:id/contact", async (c) => {
    const id = orderId(c.req.param("id"));
    const body = c.req.header("content-length") === "0" ? {} : await jsonObject(c);
    const reason = optionalString(body, "reason", 200);
    requireRole(c, "manager");
    const order = await deps.get(id);
    if (!order) throw new NotFoundError(`order ${id} not found`);
    deps.logger.info("customer contact revealed", {
      audit: "contact_revealed",
      orderId: id,
      actor: c.get("actor"),
      reason,
    });
    return c.json({
      orderId: id,
      firstName: order.customer.firstName,
      lastName: order.customer.lastName,
      phone: order.customer.phone,
      deliveryAddress: order.deliveryAddress,
    });
  });
  app.put("/:id/status", async (c) => {
    const id = orderId(c.req.param("id"));
    const body = await jsonObject(c);
    const raw = body.status;
    const status = typeof raw === "string" ? parseStatus(raw) : undefined;
    if (!status) {
      throw new BadRequestError(
        "status must be one of pending, preparing, cooking, ready, completed, cancelled",
        [{
          field: "status",
          reason: typeof raw === "string"
            ? `unknown status "${raw.slice(0, 40)}"`
            : "is required (a string)",
        }],
      );
    }
    const reason = optionalString(body, "reason", 200);
    requireRole(c, status === "cancelled" ? "manager" : "kitchen");
    const order = await deps.changeStatus(id, status, c.get("actor"), reason);
    return c.json({ order: shown(c, order) }, 202);
  });
  app.post("/:id/cancel", async (c) => {
    const id = orderId(c.req.param("id"));
    const body = c.req.header("content-length") === "0" ? {} : await jsonObject(c);
    const reason = optionalString(body, "reason", 200);
    requireRole(c, "manager");
    const order = await deps.changeStatus(id, "cancelled", c.get("actor"), reason);
    return c.json({ order: shown(c, order) }, 202);
  });
  return app;
}
