/**
 * Makes the local stack's customer identity provider once: an ES256 key pair, the private half as
 * `${dir}/signing-key.jwk` (for `deno task customer-token`, the demo and trace scripts) and the
 * public half as `${dir}/jwks.json` (intake's CUSTOMER_JWKS_FILE). An existing pair is kept; two runs at
 * once agree on one pair (the folder is renamed into place whole).
 *   deno run -A scripts/customer_keys.ts .infra/customer-keys
 */
import { newCustomerKeyPair } from "../src/adapters/auth/customer_token_signer.ts";

const dir = Deno.args[0]?.replace(/\/+$/, "");
if (!dir) {
  console.error("usage: deno run -A scripts/customer_keys.ts DIR");
  Deno.exit(2);
}
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
if (!(await exists(`${dir}/jwks.json`))) {
  const tmp = `${dir}.tmp.${Deno.pid}`;
  await Deno.mkdir(tmp, { recursive: true, mode: 0o700 });
  const { privateJwk, jwks } = await newCustomerKeyPair(`local-${Date.now().toString(36)}`);
  await Deno.writeTextFile(`${tmp}/signing-key.jwk`, JSON.stringify(privateJwk), { mode: 0o600 });
  await Deno.writeTextFile(`${tmp}/jwks.json`, JSON.stringify(jwks, null, 2));
  try {
    await Deno.rename(tmp, dir);
  } catch (error) {
    await Deno.remove(tmp, { recursive: true });
    if (!(await exists(`${dir}/jwks.json`))) throw error;
  }
}
