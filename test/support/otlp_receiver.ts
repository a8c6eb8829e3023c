/**
 * An OTLP/HTTP JSON receiver for tests: the services export their traces,
 * metrics and logs here (Deno's built-in OpenTelemetry), and the test reads
 * what arrived. `env` is what to pass to TestStack.start to point them at it.
 */
import {
  type FlatLog,
  type FlatSpan,
  type MetricPoint,
  parseLogs,
  parseMetrics,
  parseTraces,
} from "../../src/observability/otlp/otlp_json.ts";
import { waitFor } from "./wait.ts";

export class OtlpReceiver {
  readonly spans: FlatSpan[] = [];
  readonly metrics: MetricPoint[] = [];
  readonly logs: FlatLog[] = [];
  readonly #server: Deno.HttpServer;

  private constructor(readonly port: number, server: Deno.HttpServer) {
    this.#server = server;
  }

  static start(): Promise<OtlpReceiver> {
    const sink: { receiver?: OtlpReceiver } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const body = await req.json().catch(() => undefined);
        const path = new URL(req.url).pathname;
        const r = sink.receiver;
        if (r && path === "/v1/traces") r.spans.push(...parseTraces(body));
        else if (r && path === "/v1/metrics") r.metrics.push(...parseMetrics(body));
        else if (r && path === "/v1/logs") r.logs.push(...parseLogs(body));
        return Response.json({});
      },
    );
    sink.receiver = new OtlpReceiver((server.addr as Deno.NetAddr).port, server);
    return Promise.resolve(sink.receiver);
  }

  /** Environment that makes Deno export all three signals here, as JSON, quickly. */
  get env(): Record<string, string> {
    return {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${this.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_BLRP_SCHEDULE_DELAY: "200",
    };
  }

  trace(traceId: string): FlatSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /** Waits until a span matching `predicate` has arrived, and returns it. */
  waitForSpan(what: string, predicate: (s: FlatSpan) => boolean, timeoutMs = 15_000) {
    return waitFor(what, () => this.spans.find(predicate), timeoutMs, 50);
  }

  /** The latest exported point of `name` whose attributes include `attributes`. */
  latest(name: string, attributes: Record<string, string> = {}): MetricPoint | undefined {
    let found: MetricPoint | undefined;
    for (const p of this.metrics) {
      if (p.name !== name) continue;
      if (!Object.entries(attributes).every(([k, v]) => String(p.attributes[k]) === v)) continue;
      if (!found || p.timeMs >= found.timeMs) found = p;
    }
    return found;
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}
