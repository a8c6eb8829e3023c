/** Counters and histograms recorded along the order path after intake: dead letters, promotion delay, order-to-KDS latency. */
import { meter, secondsHistogram } from "./meter.ts";
import { LATENCY_BUCKETS_S, METRICS } from "./metric_names.ts";

const deadLetters = meter.createCounter(METRICS.deadLetters.name, {
  unit: METRICS.deadLetters.unit,
  description: METRICS.deadLetters.description,
});
const promotionDelay = secondsHistogram(METRICS.promotionDelay);
const kdsLatency = secondsHistogram(METRICS.kdsLatency, LATENCY_BUCKETS_S);

/** Exports the dead-letter count at 0 from the start, so increase() sees the first one. */
export function startDeadLetterCount(topic: string): void {
  deadLetters.add(0, { topic });
}

export function recordDeadLetter(topic: string): void {
  deadLetters.add(1, { topic });
}

export function recordPromotionDelay(seconds: number): void {
  promotionDelay.record(Math.max(0, seconds));
}

export function recordKdsLatency(seconds: number, kitchenId: string): void {
  kdsLatency.record(Math.max(0, seconds), { kitchen: kitchenId });
}
