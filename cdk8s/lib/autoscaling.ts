/**
 * Autoscaling of the services: HPAs on CPU (intake, hub) and a KEDA ScaledObject on the consumer
 * group's lag (consumer), with the rules between their values that the schema cannot express.
 */
import { and, cat, eq, gt, ifElse, lit, v, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import {
  kafkaBrokersFromAnywhere,
  kafkaCaSecret,
  kafkaHasCa,
  kafkaMechanism,
  kafkaPassword,
  kafkaSasl,
  kafkaTls,
} from "./endpoints.ts";
import { n, objectMeta } from "./names.ts";
import type { Add, Check } from "./render.ts";
import { ref } from "../values.ts";

/** A HorizontalPodAutoscaler on CPU for `component`, when `<component>.autoscaling.enabled`. */
export function cpuAutoscaling(add: Add, checks: Check[], component: "intake" | "hub"): void {
  const a = <L extends "minReplicas" | "maxReplicas" | "targetCPUUtilizationPercentage">(leaf: L) =>
    ref(`${component}.autoscaling.${leaf}` as `intake.autoscaling.${L}`);
  add(
    `${component}-hpa`,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: objectMeta(component),
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n(component) },
        minReplicas: v(a("minReplicas")),
        maxReplicas: v(a("maxReplicas")),
        metrics: [{
          type: "Resource",
          resource: {
            name: "cpu",
            target: {
              type: "Utilization",
              averageUtilization: v(a("targetCPUUtilizationPercentage")),
            },
          },
        }],
      },
    } satisfies k.IHorizontalPodAutoscaler,
    ref(`${component}.autoscaling.enabled`),
  );
  checks.push({
    failWhen: gt(a("minReplicas"), a("maxReplicas")),
    message: `${component}.autoscaling.minReplicas is above maxReplicas`,
  });
}

const partitions = ref("kafka.topic.partitions");
/** The consumer's most replicas: the value, or the partitions when it is 0. */
export const consumerMax = ifElse(
  gt(ref("consumer.autoscaling.maxReplicas"), lit(0)),
  ref("consumer.autoscaling.maxReplicas"),
  partitions,
);

/** KEDA scales the consumer on its group's lag, never past the topic's partitions. */
export function lagAutoscaling(add: Add, checks: Check[]): void {
  const on = ref("consumer.autoscaling.enabled");
  const auth = "consumer-kafka";
  add(
    "consumer-triggerauthentication",
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: objectMeta("consumer", auth),
      spec: {
        secretTargetRef: [
          when(kafkaSasl, { parameter: "username", name: n("kafka-client"), key: "username" }),
          when(kafkaSasl, {
            parameter: "password",
            name: v(kafkaPassword.name),
            key: v(kafkaPassword.key),
          }),
          when(and(kafkaTls, kafkaHasCa), {
            parameter: "ca",
            name: v(kafkaCaSecret),
            key: "ca.crt",
          }),
        ],
      },
    } satisfies k.ITriggerAuthentication,
    on,
  );

  add(
    "consumer-scaledobject",
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: objectMeta("consumer"),
      spec: {
        scaleTargetRef: { name: n("consumer") },
        minReplicaCount: v(ref("consumer.autoscaling.minReplicas")),
        maxReplicaCount: v(consumerMax),
        pollingInterval: v(ref("consumer.autoscaling.pollingInterval")),
        cooldownPeriod: v(ref("consumer.autoscaling.cooldownPeriod")),
        // KEDA's cooldownPeriod only delays scaling to zero, which minReplicas >= 1 rules out;
        // scaling in between replicas is the HPA's, after its own window (5 minutes by default).
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleDown: {
                stabilizationWindowSeconds: v(ref("consumer.autoscaling.cooldownPeriod")),
              },
            },
          },
        },
        triggers: [{
          type: "kafka",
          metadata: {
            bootstrapServers: v(kafkaBrokersFromAnywhere),
            consumerGroup: v(ref("kafka.consumerGroup")),
            topic: v(ref("kafka.topic.name")),
            lagThreshold: v(cat(ref("consumer.autoscaling.lagThreshold"))),
            activationLagThreshold: v(cat(ref("consumer.autoscaling.activationLagThreshold"))),
            // A new group starts at the earliest offset (docs/architecture.md): all of it is lag.
            offsetResetPolicy: "earliest",
            allowIdleConsumers: "false",
            version: v(ref("consumer.autoscaling.kafkaVersion")),
            tls: v(ifElse(kafkaTls, lit("enable"), lit("disable"))),
            sasl: v(
              ifElse(
                kafkaSasl,
                ifElse(
                  eq(kafkaMechanism, "scram-sha-256"),
                  lit("scram_sha256"),
                  lit("scram_sha512"),
                ),
                lit("none"),
              ),
            ),
          },
          authenticationRef: { name: n(auth) },
        }],
      },
    } satisfies k.IScaledObject,
    on,
  );

  checks.push({
    failWhen: gt(ref("consumer.autoscaling.maxReplicas"), partitions),
    message:
      "consumer.autoscaling.maxReplicas is above kafka.topic.partitions: extra consumers would sit idle",
  });
  checks.push({
    failWhen: gt(ref("consumer.autoscaling.minReplicas"), consumerMax),
    message:
      "consumer.autoscaling.minReplicas is above the most replicas (maxReplicas or partitions)",
  });
}
