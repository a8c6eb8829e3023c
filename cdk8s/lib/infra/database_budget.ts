/**
 * How many PostgreSQL connections the release can open at worst: every process's pool and LISTEN
 * connection (src/config/database_connections.ts) times the most pods of each workload the values
 * allow, a rolling update's extra pods included (maxSurge 25%, rounded up). It sizes the
 * operator-run Cluster's max_connections, and the chart refuses a given limit below it.
 */
import { cat, div, type Expr, gt, ifElse, lit, mul, sum } from "../expr.ts";
import { consumerMax } from "../autoscaling.ts";
import { connectionsOf, type DatabaseClient } from "../../../src/config/database_connections.ts";
import { ref } from "../../values.ts";

/**
 * Above the worst case: PostgreSQL's superuser_reserved_connections (3), CloudNativePG's instance
 * manager and metrics exporter, and a few people with psql.
 */
export const HEADROOM = 20;

/** Pods during a rolling update: `n` plus maxSurge 25% of it, rounded up. */
const withSurge = (n: Expr<number>): Expr<number> => sum(n, div(sum(n, 3), lit(4)));

const most = (autoscaled: Expr<unknown>, max: Expr<number>, replicas: Expr<number>) =>
  ifElse(autoscaled, max, replicas);

function workload(pods: Expr<number>, client: DatabaseClient): Expr<number> {
  return mul(pods, connectionsOf(client));
}

/** The release's worst case of open connections. */
export const worstCaseConnections: Expr<number> = sum(
  workload(
    withSurge(most(
      ref("intake.autoscaling.enabled"),
      ref("intake.autoscaling.maxReplicas"),
      ref("intake.replicas"),
    )),
    "intake",
  ),
  workload(
    withSurge(most(ref("consumer.autoscaling.enabled"), consumerMax, ref("consumer.replicas"))),
    "consumer",
  ),
  workload(
    withSurge(most(
      ref("hub.autoscaling.enabled"),
      ref("hub.autoscaling.maxReplicas"),
      ref("hub.replicas"),
    )),
    "hub",
  ),
  workload(
    ifElse(ref("kitchenOperator.enabled"), withSurge(ref("kitchenOperator.replicas")), lit(0)),
    "kitchen_operator",
  ),
  // One run at a time (concurrencyPolicy: Forbid); one migration Job.
  workload(ifElse(ref("housekeeper.enabled"), lit(1), lit(0)), "housekeeper"),
  workload(ifElse(ref("migrations.enabled"), lit(1), lit(0)), "migrate"),
);

/** The operator-run Cluster's max_connections: the value, or the worst case plus headroom. */
export const maxConnections: Expr<number> = ifElse(
  gt(ref("postgres.operator.maxConnections"), lit(0)),
  ref("postgres.operator.maxConnections"),
  sum(worstCaseConnections, HEADROOM),
);

/** The refusal when a limit is below the worst case (plus headroom, for the operator's Cluster). */
export function tooFewConnections(limitValue: string, limit: Expr<number>, headroom: number) {
  return {
    failWhen: gt(sum(worstCaseConnections, headroom), limit),
    message: cat(
      `${limitValue} is `,
      limit,
      ", but at the most replicas the values allow, during a rolling update, the services' pools can open ",
      worstCaseConnections,
      ` connections${
        headroom ? ` (plus ${headroom} for PostgreSQL's reserved and CloudNativePG's own)` : ""
      }: raise it, or lower the most replicas`,
    ),
  };
}
