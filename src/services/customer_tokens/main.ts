/**
 * Mints a customer token for the local stack (what a chain's identity provider issues to a
 * signed-in customer app), for grpcurl and other hand-made calls:
 *   deno task customer-token --customer 12345 [--ttl-minutes 60]
 * Needs CUSTOMER_SIGNING_KEY_FILE, CUSTOMER_JWT_ISSUER and CUSTOMER_JWT_AUDIENCE, which
 * scripts/with_infra.sh sets to the local stack's key (made once into .infra/customer-keys/).
 */
import { parseArgs } from "node:util";
import { readCustomerTokenToolConfig } from "./config.ts";
import { localCustomerTokens } from "./minter.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    customer: { type: "string" },
    "ttl-minutes": { type: "string", default: "60" },
  },
});
const ttlMinutes = Number(values["ttl-minutes"]);
if (!/^[1-9]\d{0,18}$/.test(values.customer ?? "") || !(ttlMinutes > 0)) {
  console.error("usage: deno task customer-token --customer ID [--ttl-minutes M]");
  Deno.exit(2);
}
const tokens = await localCustomerTokens(
  readCustomerTokenToolConfig(),
  Math.round(ttlMinutes * 60),
);
console.log(await tokens(values.customer!));
