/** Per-request values the hub's middleware sets for the routes. */
import type { Principal } from "../../../adapters/http/bearer_tokens.ts";

export interface HubEnv {
  Variables: {
    /** The caller, from its bearer token. */
    principal: Principal;
    /** Who is asking, for the status history: "<role>:<subject>". */
    actor: string;
  };
}
