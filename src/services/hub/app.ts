/**
 * The hub's HTTP surface: pages, WebSockets and REST, on one Hono app. The probes (/healthz,
 * /readyz) are answered before it (main.ts), from the moment the port opens.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { type HttpError, httpError, toHttpError } from "../../adapters/http/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Logger } from "../../observability/logger.ts";
import { accessErrorResponse, authenticate, requireToken } from "./access.ts";
import { kitchenRoutes, type KitchenRoutesDeps } from "./routes/kitchens.ts";
import type { HubEnv } from "./routes/hub_env.ts";
import { menuRoutes, type MenuRoutesDeps } from "./routes/menu.ts";
import { orderRoutes, type OrderRoutesDeps } from "./routes/orders.ts";
import { StaticFiles } from "./static_files.ts";
import { checkQuery, openSocket, type WsDeps } from "./ws_endpoint.ts";

export interface HubAppDeps {
  readonly orders: OrderRoutesDeps;
  readonly kitchens: KitchenRoutesDeps;
  readonly menu: MenuRoutesDeps;
  readonly ws: WsDeps;
  readonly kitchen: (id: string) => KitchenConfig | undefined;
  readonly maxBodyBytes: number;
  readonly authJwtSecret: string;
  readonly corsOrigins: readonly string[];
  readonly logger: Logger;
}

function answer(error: HttpError): Response {
  return Response.json(error.body, { status: error.status });
}

export function createHubApp(deps: HubAppDeps): Hono<HubEnv> {
  const app = new Hono<HubEnv>();
  const pages = new StaticFiles();

  app.onError((error) => {
    const denied = accessErrorResponse(error);
    if (denied) return denied;
    const mapped = toHttpError(error);
    if (mapped.status === 500) deps.logger.error("request failed", { error });
    return answer(mapped);
  });
  app.notFound(() => answer(httpError(404, "not_found", "no such endpoint")));

  app.get("/", (c) => c.redirect("/kds"));
  app.get("/kds", () => pages.response("kds.html"));
  app.get("/erp", () => pages.response("erp.html"));
  app.get("/static/:file", (c) => pages.response(c.req.param("file")));

  for (const channel of ["kds", "erp"] as const) {
    app.get(`/ws/${channel}`, async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        return answer(httpError(400, "invalid", "this endpoint speaks WebSocket only"));
      }
      const checked = checkQuery(
        channel,
        new URL(c.req.url).searchParams,
        deps.ws.defaultKitchenId,
        deps.kitchen,
      );
      if (!checked.ok) {
        return answer(
          httpError(400, "invalid", checked.reason, {
            fields: [{ field: checked.field, reason: checked.reason }],
          }),
        );
      }
      // Authenticated at the upgrade: a socket without a valid token never opens. Any role may watch.
      await authenticate(c.req.raw.headers, deps.authJwtSecret);
      return openSocket(c.req.raw, checked.filter, checked.lastEventId, deps.ws);
    });
  }

  const api = new Hono<HubEnv>();
  api.use(bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () =>
      answer(httpError(413, "too_large", `the body must be at most ${deps.maxBodyBytes} bytes`)),
  }));
  api.use(cors({
    // Explicit: only the listed origins may call from a browser; the hub's own pages are same-origin.
    origin: (origin) => (deps.corsOrigins.includes(origin) ? origin : null),
    allowMethods: ["GET", "PUT", "POST"],
    allowHeaders: ["Authorization", "Content-Type"],
    maxAge: 600,
  }));
  api.use(requireToken(deps.authJwtSecret));
  api.route("/orders", orderRoutes(deps.orders));
  api.route("/", kitchenRoutes(deps.kitchens));
  api.route("/", menuRoutes(deps.menu));
  app.route("/api/v1/erp", api);
  return app;
}
