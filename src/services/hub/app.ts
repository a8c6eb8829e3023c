/**
 * The hub's HTTP surface: pages, WebSockets and REST, on one Hono app. The probes (/healthz,
 * /readyz) are answered before it (main.ts), from the moment the port opens.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { renewToken, type TokenAuthority } from "../../adapters/http/bearer_tokens.ts";
import { viewFor } from "./order_views.ts";
import { type HttpError, httpError, toHttpError } from "../../adapters/http/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Logger } from "../../observability/logger.ts";
import {
  accessErrorResponse,
  authenticate,
  rateLimit,
  RateLimitedError,
  requireToken,
} from "./access.ts";
import { RateBuckets } from "../../domain/rate_buckets.ts";
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
  readonly authJwtAuthority: TokenAuthority;
  readonly maxSocketsPerToken: number;
  readonly apiRate: { readonly perSecond: number; readonly burst: number };
  readonly corsOrigins: readonly string[];
  readonly now: () => Date;
  readonly logger: Logger;
}

/**
 * The pages load only their own scripts, styles and sockets: no inline code, no frames of them
 * elsewhere, no referrer (a URL never carries a token, and the referrer will not either).
 */
const SECURE_HEADERS = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  // Set below, only over TLS: a browser ignores it over plain HTTP, and a local hub has no TLS.
  strictTransportSecurity: false,
});
const HSTS = "max-age=31536000; includeSubDomains";

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
  app.use(SECURE_HEADERS);
  app.use(async (c, next) => {
    await next();
    // TLS ends at the hub or at the gateway in front of it (which says so in X-Forwarded-Proto).
    const https = new URL(c.req.url).protocol === "https:" ||
      c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
    if (https) c.res.headers.set("strict-transport-security", HSTS);
  });

  app.get("/", (c) => c.redirect("/kds"));
  app.get("/kds", () => pages.response("kds.html"));
  app.get("/erp", () => pages.response("erp.html"));
  app.get("/static/:file", (c) => pages.response(c.req.param("file")));

  const socketsPerSession = new Map<string, number>();
  for (const channel of ["kds", "erp"] as const) {
    app.get(`/ws/${channel}`, async (c) => {
      const upgrade = c.env?.upgrade;
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket" || !upgrade) {
        return answer(httpError(400, "invalid", "this endpoint speaks WebSocket only"));
      }
      // The token first: an anonymous caller learns nothing, not even which kitchens and stations exist.
      const principal = await authenticate(c.req.raw.headers, deps.authJwtAuthority, deps.now());
      const open = socketsPerSession.get(principal.sessionId) ?? 0;
      if (open >= deps.maxSocketsPerToken) {
        throw new RateLimitedError(5);
      }
      const checked = checkQuery(
        channel,
        new URL(c.req.url).searchParams,
        deps.ws.defaultKitchenId,
        deps.kitchen,
        viewFor(principal.role),
      );
      if (!checked.ok) {
        return answer(
          httpError(400, "invalid", checked.reason, {
            fields: [{ field: checked.field, reason: checked.reason }],
          }),
        );
      }
      socketsPerSession.set(principal.sessionId, open + 1);
      return openSocket(upgrade, checked.filter, checked.lastEventId, principal, deps.ws, () => {
        const left = (socketsPerSession.get(principal.sessionId) ?? 1) - 1;
        if (left > 0) socketsPerSession.set(principal.sessionId, left);
        else socketsPerSession.delete(principal.sessionId);
      });
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
  api.use(requireToken(deps.authJwtAuthority, deps.now));
  api.use(rateLimit(new RateBuckets(deps.apiRate.perSecond, deps.apiRate.burst), deps.now));
  // A page trades its still-valid token for a fresh one before it expires, up to the session's end.
  api.post("/token", async (c) => {
    const principal = c.get("principal");
    const renewed = await renewToken(deps.authJwtAuthority, principal, deps.now());
    if (!renewed) {
      return answer(
        httpError(401, "unauthenticated", "the session is over; a new token is needed"),
      );
    }
    deps.logger.info("token renewed", {
      subject: principal.subject,
      role: principal.role,
      expiresAt: renewed.expiresAt.toISOString(),
    });
    return c.json({
      token: renewed.token,
      expiresAt: renewed.expiresAt.toISOString(),
      sessionEndsAt: renewed.sessionEndsAt.toISOString(),
    });
  });
  api.route("/orders", orderRoutes(deps.orders));
  api.route("/", kitchenRoutes(deps.kitchens));
  api.route("/", menuRoutes(deps.menu));
  app.route("/api/v1/erp", api);
  return app;
}
