/** Per-request values the hub's middleware sets for the routes. */
export interface HubEnv {
  Variables: {
    /** Who is asking, for the status history ("kitchen", "manager", ...). */
    actor: string;
  };
}
