/**
 * GET /metrics: what the service's meter recorded, in Prometheus' text format (meter.ts), on a
 * port of its own (METRICS_PORT), so that Prometheus scrapes every replica directly.
 */
import { prometheusText } from "./meter.ts";

const TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

export function serveMetrics(port: number, hostname = "0.0.0.0"): Deno.HttpServer {
  return Deno.serve({ port, hostname, onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname !== "/metrics") {
      return new Response("not found: Prometheus metrics are at /metrics\n", { status: 404 });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
    }
    return new Response(await prometheusText(), { headers: { "content-type": TEXT_FORMAT } });
  });
}
