/**
 * The dead-letter tool (src/services/dlq/main.ts) in the cluster (deadLetterTool.enabled): a Helm
 * hook Job, run after the install or upgrade that enables it (and after each one while it stays
 * enabled), with its own Kafka user (read the dead-letter topic, replay into pizza-orders) and its
 * own settings. Its output is its log: kubectl logs job/<fullname>-dlq.
 */
import { v, valueRef } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { APP_UID, appImageFields, appImagePullSecrets, denoRun } from "./app_image.ts";
import { configMap, settingsOf } from "./config.ts";
import { kafkaPasswordOf } from "./endpoints.ts";
import { KAFKA_CA_MOUNT, kafkaCaVolume } from "./tls_cas.ts";
import { labels, n } from "./names.ts";
import {
  CONTAINER_SECURITY,
  hardenedPod,
  placement,
  resources,
  secretEnv,
  TMP_MOUNT,
  TMP_VOLUME,
} from "./pods.ts";
import type { Add } from "./render.ts";
import { ref } from "../values.ts";

const component = "dlq";

export function deadLetterTool(add: Add): void {
  const on = ref("deadLetterTool.enabled");
  const settings = settingsOf(["kafka"], ["KAFKA_DLQ_TOPIC"]);
  configMap(add, component, settings, on);

  // Optional as the services': without SASL there is no password.
  const env = [secretEnv("KAFKA_SASL_PASSWORD", kafkaPasswordOf("dlq"), true)];
  const container: k.IContainer = {
    name: component,
    ...appImageFields(),
    command: denoRun("src/services/dlq/main.ts", {
      permissions: {
        connects: ["kafka"],
        env: [...settings, ...env.map((e) => e.name), "KAFKAJS_NO_PARTITIONER_WARNING"],
      },
      memoryLimit: valueRef("deadLetterTool.resources.limits.memory", "str"),
    }),
    args: v(ref("deadLetterTool.args")),
    envFrom: [{ configMapRef: { name: n(`${component}-config`) } }],
    env,
    resources: resources(ref("deadLetterTool.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [TMP_MOUNT, KAFKA_CA_MOUNT],
  };

  add(
    "dlq-job",
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: n(component),
        labels: labels(component),
        annotations: {
          // Run after the release's objects (its KafkaUser, ConfigMap) exist; kept until the
          // next run so that its log can be read.
          "helm.sh/hook": "post-install,post-upgrade",
          "helm.sh/hook-weight": "10",
          "helm.sh/hook-delete-policy": "before-hook-creation",
        },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: labels(component) },
          spec: {
            restartPolicy: "Never",
            ...hardenedPod(APP_UID),
            imagePullSecrets: appImagePullSecrets(),
            containers: [container],
            ...placement(),
            volumes: [
              TMP_VOLUME,
              kafkaCaVolume(),
            ],
          },
        },
      },
    } satisfies k.IJob,
    on,
  );
}
