/** The customer token tool's configuration: the local identity provider's key and names. */
import { type Env, text } from "../../config/env.ts";

export interface CustomerTokenToolConfig {
  /** A private JWK (with kid and alg), the one whose public half intake's key set holds. */
  readonly signingKeyFile: string;
  readonly issuer: string;
  readonly audience: string;
}

export function readCustomerTokenToolConfig(
  env: Env = Deno.env.toObject(),
): CustomerTokenToolConfig {
  return {
    signingKeyFile: text(env, "CUSTOMER_SIGNING_KEY_FILE"),
    issuer: text(env, "CUSTOMER_JWT_ISSUER"),
    audience: text(env, "CUSTOMER_JWT_AUDIENCE"),
  };
}
