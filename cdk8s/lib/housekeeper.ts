/**
 * The data lifecycle: src/services/housekeeper/main.ts as a CronJob (housekeeper.enabled). Each
 * run creates order partitions ahead, anonymises finished orders' personal data after
 * housekeeper.anonymizeAfterDays, and archives (gzip JSON lines in ARCHIVE_DIR) and drops the
 * monthly partitions past housekeeper.retentionMonths. The archive is a PersistentVolumeClaim
 * that outlives the release, or an emptyDir when housekeeper.archive.persistent is false.
 */
import { and, cat, exists, not, v, valueRef, when } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { APP_UID, appImageFields, appImagePullSecrets, denoRun } from "./app_image.ts";
import { databaseUrl } from "./endpoints.ts";
import { labels, n, nameOf, objectMeta } from "./names.ts";
import {
  CONTAINER_SECURITY,
  podTemplate,
  resources,
  secretEnv,
  TMP_MOUNT,
  TMP_VOLUME,
  volumeClaimSpec,
} from "./pods.ts";
import type { Add } from "./render.ts";
import { caMount, caVolume, databaseCaEnv } from "./tls_cas.ts";
import { serviceAccount } from "./workloads.ts";
import { ref } from "../values.ts";

const component = "housekeeper";
/** ARCHIVE_DIR in the container: the archive volume, and the only path the process may write. */
export const ARCHIVE_DIR = "/var/lib/ovenline/archive";
const ARCHIVE_CLAIM = "housekeeper-archive";

export function housekeeper(add: Add): void {
  const on = ref("housekeeper.enabled");
  const persistent = ref("housekeeper.archive.persistent");
  const size = ref("housekeeper.archive.storage.size");
  const timeZone = ref("housekeeper.timeZone");

  // The claim is a hook, not a release object: helm install --wait waits for every claim of the
  // release to be Bound, and with a WaitForFirstConsumer StorageClass (GKE, EKS, AKS, kind) this
  // one binds only when the first run mounts it. Created once, before the first install or the
  // upgrade that turns it on; never replaced (its delete policy never applies to a claim, which
  // also keeps Helm's default, delete-before-creating-again, away from the archives), and left by
  // helm uninstall, since the archives are the only copy of dropped partitions.
  add(
    "housekeeper-archive-pvc",
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        ...objectMeta(component, ARCHIVE_CLAIM),
        annotations: {
          "helm.sh/hook": "pre-install,pre-upgrade",
          "helm.sh/hook-weight": "-20",
          "helm.sh/hook-delete-policy": "hook-failed",
          "helm.sh/resource-policy": "keep",
        },
      },
      spec: volumeClaimSpec(size, ref("housekeeper.archive.storage.storageClass")),
    } satisfies k.IPersistentVolumeClaim,
    and(on, persistent, not(exists("v1", "PersistentVolumeClaim", nameOf(ARCHIVE_CLAIM)))),
  );

  serviceAccount(add, component, on);

  const container: k.IContainer = {
    name: component,
    ...appImageFields(),
    command: denoRun("src/services/housekeeper/main.ts", {
      allowWrite: ARCHIVE_DIR,
      memoryLimit: valueRef("housekeeper.resources.limits.memory", "str"),
    }),
    env: [
      secretEnv("DATABASE_URL", databaseUrl),
      databaseCaEnv(),
      { name: "LOG_LEVEL", value: v(ref("logLevel")) },
      { name: "ANONYMIZE_AFTER_DAYS", value: v(cat(ref("housekeeper.anonymizeAfterDays"))) },
      { name: "RETENTION_MONTHS", value: v(cat(ref("housekeeper.retentionMonths"))) },
      { name: "ARCHIVE_DIR", value: ARCHIVE_DIR },
    ],
    // A run to completion: no probes; activeDeadlineSeconds bounds a hung run instead.
    resources: resources(ref("housekeeper.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [TMP_MOUNT, { name: "archive", mountPath: ARCHIVE_DIR }, caMount("postgres")],
  };

  add(
    "housekeeper-cronjob",
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: objectMeta(component),
      spec: {
        schedule: v(ref("housekeeper.schedule")),
        timeZone: when(timeZone, v(timeZone)),
        // Never two runs at once (they would archive and drop the same partitions).
        concurrencyPolicy: "Forbid",
        // A run missed by up to an hour (controller down) still starts.
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: labels(component) },
          spec: {
            backoffLimit: v(ref("housekeeper.backoffLimit")),
            activeDeadlineSeconds: v(ref("housekeeper.activeDeadlineSeconds")),
            // Failed pods stay (until the Job is cleaned up) so their logs can be read.
            template: podTemplate(component, APP_UID, {
              restartPolicy: "Never",
              imagePullSecrets: appImagePullSecrets(),
              containers: [container],
              volumes: [
                TMP_VOLUME,
                when(persistent, {
                  name: "archive",
                  persistentVolumeClaim: { claimName: n(ARCHIVE_CLAIM) },
                }),
                when(not(persistent), { name: "archive", emptyDir: { sizeLimit: v(size) } }),
                caVolume("postgres"),
              ],
            }),
          },
        },
      },
    } satisfies k.ICronJob,
    on,
  );
}
