/**
 * Mints a bearer token for the hub (KDS tablets, dashboards, integrations).
 *   deno task token --role kitchen [--subject tablet-3] [--ttl-hours 1]
 * Needs the hub's keys (AUTH_JWT_KEYS or AUTH_JWT_SECRET; see src/config/auth.ts).
 * A page opened with the token (as `#token=…`) renews it before it expires, up to
 * AUTH_TOKEN_MAX_LIFETIME_S (12 h) after it was minted; no token lives longer.
 */
import { parseArgs } from "node:util";
import { mintToken, type Role, ROLES } from "../../adapters/http/bearer_tokens.ts";
import { readAuthority } from "./config.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    role: { type: "string" },
    subject: { type: "string" },
    "ttl-hours": { type: "string", default: "1" },
  },
});
const role = values.role as Role;
const ttlHours = Number(values["ttl-hours"]);
const authority = readAuthority();
const capHours = authority.maxLifetimeS / 3600;
if (!(ROLES as readonly string[]).includes(role) || !(ttlHours > 0) || ttlHours > capHours) {
  console.error(
    `usage: deno task token --role ${
      ROLES.join("|")
    } [--subject NAME] [--ttl-hours H (at most ${capHours})]`,
  );
  Deno.exit(2);
}
console.log(
  await mintToken(authority, {
    role,
    subject: values.subject ?? role,
    ttlSeconds: Math.round(ttlHours * 3600),
    now: new Date(),
  }),
);
