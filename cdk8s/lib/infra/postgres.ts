/** PostgreSQL run by the CloudNativePG operator: the Cluster, and optional scheduled backups. */
import {
  and,
  cat,
  clusterVisible,
  eq,
  exists,
  Expr,
  gt,
  ifElse,
  isUpgrade,
  lit,
  not,
  or,
  v,
  when,
} from "../expr.ts";
import type * as k from "../k8s_types.ts";
import { pgCluster, pgOperator } from "../endpoints.ts";
import { labels } from "../names.ts";
import { resources, strictSpread } from "../pods.ts";
import type { Add, Check } from "../render.ts";
import { HEADROOM, maxConnections, tooFewConnections } from "./database_budget.ts";
import { ref } from "../../values.ts";

/** The Cluster's backup section for volume snapshots: the class when one is named, else none. */
const snapshotBackup = new Expr<Record<string, unknown>>(
  `(dict "volumeSnapshot" (ternary (dict "className" $.Values.postgres.operator.backup.volumeSnapshotClass) (dict) (not (empty $.Values.postgres.operator.backup.volumeSnapshotClass))))`,
  (c) => {
    const className = ref("postgres.operator.backup.volumeSnapshotClass").evaluate(c);
    return { volumeSnapshot: className ? { className } : {} };
  },
  "any",
);

export function postgres(add: Add, checks: Check[]): void {
  const backupOn = and(pgOperator, ref("postgres.operator.backup.enabled"));
  const method = ref("postgres.operator.backup.method");
  const plugin = ref("postgres.operator.backup.pluginName");
  const storageClass = ref("postgres.operator.storage.storageClass");
  const imageName = ref("postgres.operator.imageName");
  add(
    "postgres-cluster",
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: v(pgCluster), labels: labels("postgres", false) },
      spec: {
        instances: v(ref("postgres.operator.instances")),
        imageName: when(imageName, v(imageName)),
        primaryUpdateStrategy: "unsupervised",
        postgresql: { parameters: { max_connections: v(cat(maxConnections)) } },
        enableSuperuserAccess: false,
        storage: {
          size: v(ref("postgres.operator.storage.size")),
          storageClass: when(storageClass, v(storageClass)),
        },
        bootstrap: {
          initdb: {
            database: v(ref("postgres.operator.database")),
            owner: v(ref("postgres.operator.owner")),
          },
        },
        resources: resources(ref("postgres.operator.resources")),
        // Instances on different workers: required where topologySpread insists, else preferred.
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: v(ref("topologySpread.hostKey")),
          podAntiAffinityType: v(ifElse(strictSpread, lit("required"), lit("preferred"))),
        },
        backup: when(and(backupOn, eq(method, "volumeSnapshot")), v(snapshotBackup)),
        // The WAL archive makes point-in-time recovery possible: the plugin's own backups need
        // it, and volume snapshots alone restore only to the moment they were taken.
        plugins: when(
          and(backupOn, or(eq(method, "plugin"), ref("postgres.operator.backup.walArchive"))),
          [{
            name: v(plugin),
            isWALArchiver: true,
            parameters: v(ref("postgres.operator.backup.pluginParameters")),
          }],
        ),
      },
    } satisfies k.ICluster,
    pgOperator,
  );

  add(
    "postgres-scheduledbackup",
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "ScheduledBackup",
      metadata: { name: v(cat(pgCluster, "-daily")), labels: labels("postgres", false) },
      spec: {
        schedule: v(ref("postgres.operator.backup.schedule")),
        cluster: { name: v(pgCluster) },
        method: v(method) as "volumeSnapshot",
        backupOwnerReference: "self",
        immediate: true,
        pluginConfiguration: when(eq(method, "plugin"), { name: v(plugin) }),
      },
    } satisfies k.IScheduledBackup,
    backupOn,
  );

  // An upgrade that switches an external database to an operator-run one: its pre-upgrade
  // migration would wait for a Cluster that only this upgrade creates (and fail after
  // migrations.activeDeadlineSeconds), and the orders would stay behind in the external database.
  checks.push({
    failWhen: and(
      isUpgrade,
      clusterVisible,
      pgOperator,
      not(exists("postgresql.cnpg.io/v1", "Cluster", pgCluster)),
    ),
    message: cat(
      "postgres.operator.enabled: this upgrade would switch to an operator-run database, but the Cluster ",
      pgCluster,
      " does not exist: its pre-upgrade migration would wait for it and fail, and the orders would stay in the database used so far. Create the Cluster first (CloudNativePG can import the old database: bootstrap.initdb.import) with Helm's ownership label and annotations so that the release adopts it, or install a new release.",
    ),
  });

  const given = ref("postgres.operator.maxConnections");
  const check = tooFewConnections("postgres.operator.maxConnections", given, HEADROOM);
  checks.push({ ...check, failWhen: and(pgOperator, gt(given, lit(0)), check.failWhen) });
  const external = ref("postgres.external.maxConnections");
  const ext = tooFewConnections("postgres.external.maxConnections", external, 0);
  checks.push({ ...ext, failWhen: and(not(pgOperator), gt(external, lit(0)), ext.failWhen) });
}
