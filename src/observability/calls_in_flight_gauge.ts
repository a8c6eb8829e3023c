/** CreateOrder calls in flight on this intake replica, read when metrics are collected. */
import { meter } from "./meter.ts";
import { METRICS } from "./metric_names.ts";

export function observeCallsInFlight(inFlight: () => number): void {
  const gauge = meter.createObservableGauge(METRICS.callsInFlight.name, {
    unit: METRICS.callsInFlight.unit,
    description: METRICS.callsInFlight.description,
  });
  gauge.addCallback((result) => result.observe(inFlight()));
}
