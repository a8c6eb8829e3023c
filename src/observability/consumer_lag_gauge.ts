/**
 * Consumer lag per partition (end offset − committed offset) and the committed offset itself,
 * read with the kafkajs admin client when metrics are collected. Every consumer replica
 * reports every partition of the group: aggregate with max by (topic, partition). Lag with a
 * committed offset that does not move is a stalled consumer (alert OvenlineConsumerStalled).
 */
import type { ObservableCallback } from "@opentelemetry/api";
import type { Admin, Kafka } from "kafkajs";
import { readGroupOffsets } from "../adapters/kafka/group_progress.ts";
import { meter } from "./meter.ts";
import { METRICS } from "./metric_names.ts";
import { type Observation, observedValues } from "./observed_value.ts";

export interface ConsumerLagGauge {
  close(): Promise<void>;
}

export function observeConsumerLag(
  kafka: Kafka,
  topic: string,
  groupId: string,
  onError?: (error: unknown) => void,
): ConsumerLagGauge {
  let admin: Admin | undefined;
  let connected: Promise<void> | undefined;
  const offsets = observedValues(
    async (): Promise<Observation[]> => {
      if (!admin) {
        admin = kafka.admin();
        connected = admin.connect();
      }
      try {
        await connected;
      } catch (error) {
        admin = undefined; // reconnect next time
        throw error;
      }
      const reading = await readGroupOffsets(admin, groupId, topic);
      return [...reading].flatMap(([partition, p]) => {
        const attributes = { topic, partition: String(partition), group: groupId };
        return [
          { value: Number(p.end - p.committed), attributes: { ...attributes, kind: "lag" } },
          { value: Number(p.committed), attributes: { ...attributes, kind: "committed" } },
        ];
      });
    },
    2_000,
    onError,
  );
  const lag = meter.createObservableGauge(METRICS.consumerLag.name, {
    unit: METRICS.consumerLag.unit,
    description: METRICS.consumerLag.description,
  });
  const committed = meter.createObservableGauge(METRICS.consumerCommittedOffset.name, {
    unit: METRICS.consumerCommittedOffset.unit,
    description: METRICS.consumerCommittedOffset.description,
  });
  // One reading serves both gauges of a collection: the second callback reuses the first's.
  let last: { at: number; values: Promise<Observation[]> } | undefined;
  const reading = () => {
    if (!last || Date.now() - last.at > 1_000) last = { at: Date.now(), values: offsets() };
    return last.values;
  };
  const observe = (kind: string): ObservableCallback => async (result) => {
    for (const { value, attributes: { kind: k, ...attributes } } of await reading()) {
      if (k === kind) result.observe(Math.max(0, value), attributes);
    }
  };
  lag.addCallback(observe("lag"));
  committed.addCallback(observe("committed"));
  return {
    close: async () => {
      await admin?.disconnect().catch(() => {});
    },
  };
}
