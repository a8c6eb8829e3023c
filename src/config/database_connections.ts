/**
 * The most PostgreSQL connections each Ovenline process opens: its pool, and the connection that
 * LISTENs for change notices. The processes size their pools from here, and the chart (cdk8s)
 * adds these up over the most replicas its values allow, to size max_connections and to refuse
 * values whose worst case would exceed it.
 */
export const DATABASE_CONNECTIONS = {
  intake: { pool: 4, listen: 1 },
  consumer: { pool: 10, listen: 0 },
  hub: { pool: 5, listen: 1 },
  kitchen_operator: { pool: 3, listen: 0 },
  housekeeper: { pool: 2, listen: 0 },
  migrate: { pool: 1, listen: 0 },
} as const;

export type DatabaseClient = keyof typeof DATABASE_CONNECTIONS;

/** Connections one process of `client` may hold at once. */
export function connectionsOf(client: DatabaseClient): number {
  const c = DATABASE_CONNECTIONS[client];
  return c.pool + c.listen;
}
