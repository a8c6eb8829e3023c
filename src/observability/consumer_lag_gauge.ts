/**
 * Consumer lag per partition (end offset − committed offset), read with the
 * kafkajs admin client when metrics are collected. Every consumer replica
 * reports every partition of the group: aggregate with max by (topic, partition).
 */
import type { Admin, Kafka } from "kafkajs";
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
  const lag = observedValues(
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
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      return ends.map((end) => {
        const c = committed?.partitions.find((p) => p.partition === end.partition);
        const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
        return {
          value: Math.max(0, Number(end.high) - at),
          attributes: { topic, partition: String(end.partition), group: groupId },
        };
      });
    },
    2_000,
    onError,
  );
  const gauge = meter.createObservableGauge(METRICS.consumerLag.name, {
    unit: METRICS.consumerLag.unit,
    description: METRICS.consumerLag.description,
  });
  gauge.addCallback(async (result) => {
    for (const o of await lag()) result.observe(o.value, o.attributes);
  });
  return {
    close: async () => {
      await admin?.disconnect().catch(() => {});
    },
  };
}
