/**
 * Fill ratio (booked load ÷ capacity) of each kitchen's remaining slots of
 * today, read from Redis when metrics are collected. Labels: kitchen and slot
 * (local start "HH:MM", so the label values repeat daily instead of growing).
 */
import { meter } from "./meter.ts";
import { METRICS } from "./metric_names.ts";
import { type Observation, observedValues } from "./observed_value.ts";

export interface SlotFill {
  readonly kitchenId: string;
  /** Local start time "HH:MM". */
  readonly slot: string;
  readonly load: number;
  readonly capacity: number;
}

export function observeSlotFill(
  remainingSlots: () => Promise<SlotFill[]>,
  onError?: (error: unknown) => void,
): void {
  const fills = observedValues(
    async (): Promise<Observation[]> =>
      (await remainingSlots()).map((s) => ({
        value: s.capacity > 0 ? s.load / s.capacity : 1,
        attributes: { kitchen: s.kitchenId, slot: s.slot },
      })),
    2_000,
    onError,
  );
  const gauge = meter.createObservableGauge(METRICS.slotFillRatio.name, {
    unit: METRICS.slotFillRatio.unit,
    description: METRICS.slotFillRatio.description,
  });
  gauge.addCallback(async (result) => {
    for (const o of await fills()) result.observe(o.value, o.attributes);
  });
}
