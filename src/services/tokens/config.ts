/** The token tool's configuration: the hub's signing key. */
import { ConfigError, type Env, text } from "../../config/env.ts";

export function readSigningKey(env: Env = Deno.env.toObject()): string {
  const key = text(env, "AUTH_JWT_SECRET");
  if (key.length < 32) throw new ConfigError("AUTH_JWT_SECRET must be at least 32 characters");
  return key;
}
