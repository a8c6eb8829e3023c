/**
 * Telemetry settings read once at start-up: whether Deno's OpenTelemetry exports traces
 * (OTEL_DENO is "true" or "1"). Off, the span sites on the per-order path skip even the no-op API.
 */
export function tracingEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return ["true", "1"].includes((env.OTEL_DENO ?? "").trim().toLowerCase());
}

export const TRACING_ON: boolean = tracingEnabled({ OTEL_DENO: Deno.env.get("OTEL_DENO") });
