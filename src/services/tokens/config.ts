/** The token tool's configuration: the hub's key set and token rules (src/config/auth.ts). */
import type { TokenAuthority } from "../../adapters/http/bearer_tokens.ts";
import { readTokenAuthority } from "../../config/auth.ts";
import type { Env } from "../../config/env.ts";

export function readAuthority(env: Env = Deno.env.toObject()): TokenAuthority {
  return readTokenAuthority(env);
}
