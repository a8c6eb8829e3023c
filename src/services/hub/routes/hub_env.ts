/** Per-request values the hub's middleware sets for the routes. */
import type { Principal } from "../../../adapters/http/bearer_tokens.ts";
import type { PendingUpgrade } from "../http_server.ts";

export interface HubEnv {
  Bindings: {
    /** Set by the server for a WebSocket upgrade request (http_server.ts). */
    upgrade?: PendingUpgrade;
  };
  Variables: {
    /** The caller, from its bearer token. */
    principal: Principal;
    /** Who is asking, for the status history: "<role>:<subject>". */
    actor: string;
  };
}
