/**
 * Kafka run by the Strimzi operator (kafka.strimzi.io/v1, KRaft): the cluster and its node pool,
 * the orders and dead-letter topics, and the services' SCRAM user with its ACLs.
 */
import { and, cat, div, eq, type Expr, gt, not, v, when } from "../expr.ts";
import { strictSpread } from "../pods.ts";
import type * as k from "../k8s_types.ts";
import { kafkaCluster, kafkaOperator, kafkaUser } from "../endpoints.ts";
import { labels, n } from "../names.ts";
import { resources } from "../pods.ts";
import type { Add, Check } from "../render.ts";
import { ref } from "../../values.ts";

const partitions = ref("kafka.topic.partitions");
const retentionBytesPerPartition = div(ref("kafka.topic.totalRetentionBytes"), partitions);

const rackKey = ref("kafka.operator.rackTopologyKey");

/** The Kafka pods of the release's cluster (every node pool). */
const kafkaPods = () => ({
  matchLabels: { "strimzi.io/cluster": v(kafkaCluster), "strimzi.io/kind": "Kafka" },
});

/** One node per worker: required where topologySpread insists (DoNotSchedule), else preferred. */
function kafkaAntiAffinity() {
  const term = { topologyKey: v(ref("topologySpread.hostKey")), labelSelector: kafkaPods() };
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: when(strictSpread, [term]),
      preferredDuringSchedulingIgnoredDuringExecution: when(not(strictSpread), [
        { weight: 100, podAffinityTerm: term },
      ]),
    },
  };
}

/** Kafka nodes spread over zones, then workers, as the services are. */
function kafkaSpread() {
  return [ref("topologySpread.zoneKey"), ref("topologySpread.hostKey")].map((key) => ({
    maxSkew: 1,
    topologyKey: v(key),
    whenUnsatisfiable: v(ref("topologySpread.whenUnsatisfiable")) as "ScheduleAnyway",
    labelSelector: kafkaPods(),
  }));
}

export function kafka(add: Add, checks: Check[]): void {
  const clusterLabel = { "strimzi.io/cluster": v(kafkaCluster) };
  const replicas = ref("kafka.topic.replicas");
  const minIsr = ref("kafka.topic.minInSyncReplicas");
  const persistent = eq(ref("kafka.operator.storageType"), "persistent-claim");

  add(
    "kafka-nodepool",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaNodePool",
      metadata: {
        name: v(cat(kafkaCluster, "-nodes")),
        labels: { ...labels("kafka", false), ...clusterLabel },
      },
      spec: {
        replicas: v(ref("kafka.operator.nodes")),
        roles: ["controller", "broker"],
        storage: {
          type: v(ref("kafka.operator.storageType")),
          size: when(persistent, v(ref("kafka.operator.storage.size"))),
          class: when(
            and(persistent, ref("kafka.operator.storage.storageClass")),
            v(ref("kafka.operator.storage.storageClass")),
          ),
          deleteClaim: false,
          kraftMetadata: "shared",
        },
        resources: resources(ref("kafka.operator.resources")),
        // Never two nodes on one worker where the values insist on spread: losing that worker
        // would lose the KRaft quorum and drop partitions below min.insync.replicas.
        template: {
          pod: { affinity: kafkaAntiAffinity(), topologySpreadConstraints: kafkaSpread() },
        },
      },
    } satisfies k.IKafkaNodePool,
    kafkaOperator,
  );

  add(
    "kafka-cluster",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "Kafka",
      metadata: { name: v(kafkaCluster), labels: labels("kafka", false) },
      spec: {
        kafka: {
          version: when(ref("kafka.operator.version"), v(ref("kafka.operator.version"))),
          listeners: [{
            name: "tls",
            port: 9093,
            type: "internal",
            tls: true,
            authentication: { type: "scram-sha-512" },
          }],
          authorization: { type: "simple" },
          // Rack awareness: replicas of a partition go to different zones.
          rack: when(rackKey, { topologyKey: v(rackKey) }),
          config: {
            "auto.create.topics.enable": false,
            "default.replication.factor": v(replicas),
            "min.insync.replicas": v(minIsr),
            "offsets.topic.replication.factor": v(replicas),
            "transaction.state.log.replication.factor": v(replicas),
            "transaction.state.log.min.isr": v(minIsr),
            "share.coordinator.state.topic.replication.factor": v(replicas),
            "share.coordinator.state.topic.min.isr": v(minIsr),
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    } satisfies k.IKafka,
    kafkaOperator,
  );

  const topic = (
    file: string,
    suffix: string,
    spec: { name: Expr<string>; partitions: Expr<number>; config: Record<string, unknown> },
  ) =>
    add(
      file,
      {
        apiVersion: "kafka.strimzi.io/v1",
        kind: "KafkaTopic",
        metadata: { name: n(suffix), labels: { ...labels("kafka", false), ...clusterLabel } },
        spec: {
          topicName: v(spec.name),
          partitions: v(spec.partitions),
          replicas: v(replicas),
          config: { "cleanup.policy": "delete", ...spec.config, "min.insync.replicas": v(minIsr) },
        },
      } satisfies k.IKafkaTopic,
      kafkaOperator,
    );
  topic("kafka-topic-orders", "orders", {
    name: ref("kafka.topic.name"),
    partitions,
    config: {
      "retention.ms": v(ref("kafka.topic.retentionMs")),
      // retention.bytes is per partition: the topic's cap divided by its partitions.
      "retention.bytes": v(retentionBytesPerPartition),
      "segment.bytes": v(ref("kafka.topic.segmentBytes")),
    },
  });
  topic("kafka-topic-dead-letters", "orders-dlq", {
    name: ref("kafka.deadLetterTopic.name"),
    partitions: ref("kafka.deadLetterTopic.partitions"),
    config: { "retention.ms": v(ref("kafka.deadLetterTopic.retentionMs")) },
  });

  const topicAcl = (topic: Expr<string>) => ({
    resource: { type: "topic" as const, name: v(topic), patternType: "literal" as const },
    operations: ["Describe" as const, "Read" as const, "Write" as const],
  });
  add(
    "kafka-user",
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: v(kafkaUser), labels: { ...labels("kafka", false), ...clusterLabel } },
      spec: {
        authentication: { type: "scram-sha-512" },
        authorization: {
          type: "simple",
          acls: [
            topicAcl(ref("kafka.topic.name")),
            topicAcl(ref("kafka.deadLetterTopic.name")),
            {
              resource: {
                type: "group",
                name: v(ref("kafka.consumerGroup")),
                patternType: "literal",
              },
              operations: ["Describe", "Read"],
            },
            {
              // The dead-letter tool reads with throw-away groups ovenline-dlq-reader-<uuid>.
              resource: { type: "group", name: "ovenline-", patternType: "prefix" },
              operations: ["Describe", "Read", "Delete"],
            },
            { resource: { type: "cluster" }, operations: ["IdempotentWrite"] },
          ],
        },
      },
    } satisfies k.IKafkaUser,
    kafkaOperator,
  );

  checks.push({
    failWhen: and(kafkaOperator, gt(replicas, ref("kafka.operator.nodes"))),
    message: "kafka.topic.replicas is above kafka.operator.nodes",
  });
  checks.push({
    failWhen: gt(minIsr, replicas),
    message: "kafka.topic.minInSyncReplicas is above kafka.topic.replicas",
  });
  checks.push({
    failWhen: gt(ref("kafka.topic.segmentBytes"), retentionBytesPerPartition),
    message:
      "kafka.topic.segmentBytes is above retention.bytes per partition (totalRetentionBytes / partitions): the size cap could never delete",
  });
  checks.push({
    failWhen: and(
      not(kafkaOperator),
      ref("kafka.external.sasl.enabled"),
      not(ref("kafka.external.sasl.username")),
    ),
    message: "kafka.external.sasl.enabled needs kafka.external.sasl.username",
  });
}
