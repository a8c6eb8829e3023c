/**
 * Database migrations (src/adapters/postgres/migrate_cli.ts): a Helm hook Job before the
 * services roll, and the same command as the services' init container on a first install with
 * an operator-run database.
 */
import { ifElse, lit, v } from "./expr.ts";
import type * as k from "./k8s_types.ts";
import { APP_UID, appImageFields, denoRun } from "./app_image.ts";
import { databaseUrl, migrationDatabaseUrl, pgOperator, type SecretKey } from "./endpoints.ts";
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
import { caMount, caVolume, databaseCaEnv } from "./tls_cas.ts";
import { ref } from "../values.ts";

/**
 * The migration command as a container: the Job's, and (`operatorOnly`: an operator-run database,
 * where no private CA applies) the services' init container.
 */
export function migrateContainer(url: SecretKey = databaseUrl, operatorOnly = false): k.IContainer {
  return {
    name: "migrate",
    ...appImageFields(),
    command: denoRun("src/adapters/postgres/migrate_cli.ts"),
    env: [secretEnv("DATABASE_URL", url), ...(operatorOnly ? [] : [databaseCaEnv()])],
    resources: resources(ref("migrations.resources")),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [TMP_MOUNT, ...(operatorOnly ? [] : [caMount("postgres")])],
  };
}

export function migrations(add: Add): void {
  const job: k.IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: n("migrate"),
      labels: labels("migrate"),
      annotations: {
        // An operator-run database only exists once the release has created its Cluster, so its
        // first migration runs post-install (the services' init container covers the gap);
        // an external database is migrated before anything rolls.
        "helm.sh/hook": v(
          ifElse(pgOperator, lit("post-install,pre-upgrade"), lit("pre-install,pre-upgrade")),
        ),
        "helm.sh/hook-weight": "0",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      },
    },
    spec: {
      backoffLimit: v(ref("migrations.backoffLimit")),
      activeDeadlineSeconds: v(ref("migrations.activeDeadlineSeconds")),
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels("migrate") },
        spec: {
          restartPolicy: "OnFailure",
          ...hardenedPod(APP_UID),
          containers: [{
            ...migrateContainer(migrationDatabaseUrl),
            // A Job's container runs to completion: liveness guards against a hung connection,
            // readiness is not used by Jobs but kept uniform.
            livenessProbe: {
              exec: { command: ["deno", "--version"] },
              periodSeconds: 30,
              timeoutSeconds: 10,
              failureThreshold: 3,
            },
            readinessProbe: {
              exec: { command: ["deno", "--version"] },
              periodSeconds: 30,
              timeoutSeconds: 10,
            },
          }],
          ...placement(),
          volumes: [TMP_VOLUME, caVolume("postgres")],
        },
      },
    },
  };
  add("migrate-job", job, ref("migrations.enabled"));
}
