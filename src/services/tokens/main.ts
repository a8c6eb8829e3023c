/**
 * Mints a bearer token for the hub (KDS tablets, dashboards, integrations).
 *   deno task token --role kitchen [--subject tablet-3] [--ttl-hours 12]
 * Needs AUTH_JWT_SECRET, the same key the hub verifies with.
 */
import { parseArgs } from "node:util";
import { mintToken, type Role, ROLES } from "../../adapters/http/bearer_tokens.ts";
import { readSigningKey } from "./config.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    role: { type: "string" },
    subject: { type: "string" },
    "ttl-hours": { type: "string", default: "12" },
  },
});
const role = values.role as Role;
const ttlHours = Number(values["ttl-hours"]);
if (!(ROLES as readonly string[]).includes(role) || !(ttlHours > 0)) {
  console.error(
    `usage: deno task token --role ${ROLES.join("|")} [--subject NAME] [--ttl-hours H]`,
  );
  Deno.exit(2);
}
console.log(
  await mintToken(readSigningKey(), role, values.subject ?? role, Math.round(ttlHours * 3600)),
);
