import assert from "node:assert/strict";
import { connectionsOf, DATABASE_CONNECTIONS } from "./database_connections.ts";

Deno.test("each service's LISTEN connections are what its main.ts opens", async () => {
  for (const service of ["intake", "consumer", "hub", "kitchen_operator", "housekeeper"] as const) {
    const main = await Deno.readTextFile(
      new URL(`../services/${service}/main.ts`, import.meta.url),
    );
    const listeners = main.match(/\blistenForChanges\(/g)?.length ?? 0;
    assert.equal(DATABASE_CONNECTIONS[service].listen, listeners, service);
    assert.match(main, new RegExp(`max: DATABASE_CONNECTIONS\\.${service}\\.pool`), service);
  }
  assert.equal(connectionsOf("intake"), 5);
});
