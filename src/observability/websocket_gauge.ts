/** Open WebSockets by channel, counted from the hub's sessions when metrics are collected. */
import { meter } from "./meter.ts";
import { METRICS } from "./metric_names.ts";

export function observeWebSockets(
  sessions: () => Iterable<{ readonly filter: { readonly channel: string } }>,
): void {
  const counter = meter.createObservableUpDownCounter(METRICS.websocketConnections.name, {
    unit: METRICS.websocketConnections.unit,
    description: METRICS.websocketConnections.description,
  });
  counter.addCallback((result) => {
    const byChannel: Record<string, number> = { kds: 0, erp: 0 };
    for (const s of sessions()) {
      byChannel[s.filter.channel] = (byChannel[s.filter.channel] ?? 0) + 1;
    }
    for (const [channel, n] of Object.entries(byChannel)) result.observe(n, { channel });
  });
}
