/**
 * Customer tokens on demand for the local stack's own clients (the demo's orders, the trace
 * script): one token per customer, signed with the local identity provider's key and reused
 * until shortly before it expires.
 */
import { CustomerTokenSigner } from "../../adapters/auth/customer_token_signer.ts";
import type { CustomerTokenToolConfig } from "./config.ts";

export async function localCustomerTokens(
  config: CustomerTokenToolConfig,
  ttlSeconds = 3600,
): Promise<(customerId: string) => Promise<string>> {
  const signer = await CustomerTokenSigner.of(
    JSON.parse(await Deno.readTextFile(config.signingKeyFile)),
  );
  const tokens = new Map<string, { token: Promise<string>; renewAtMs: number }>();
  return (customerId) => {
    const known = tokens.get(customerId);
    if (known && Date.now() < known.renewAtMs) return known.token;
    const token = signer.sign({ ...config, customerId, ttlSeconds });
    tokens.set(customerId, { token, renewAtMs: Date.now() + ttlSeconds * 500 });
    return token;
  };
}
