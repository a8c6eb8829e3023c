/**
 * Bookings held after uncertain Kafka sends (Redis order:held), read when metrics are collected.
 * Every consumer replica reports the same number: aggregate with max.
 */
import { meter } from "./meter.ts";
import { METRICS } from "./metric_names.ts";
import { observedValues } from "./observed_value.ts";

export function observeHeldBookings(
  count: () => Promise<number>,
  onError?: (error: unknown) => void,
): void {
  const gauge = meter.createObservableGauge(METRICS.bookingsHeld.name, {
    unit: METRICS.bookingsHeld.unit,
    description: METRICS.bookingsHeld.description,
  });
  const held = observedValues(
    async () => [{ value: await count(), attributes: {} }],
    2_000,
    onError,
  );
  gauge.addCallback(async (result) => {
    for (const o of await held()) result.observe(o.value, o.attributes);
  });
}
