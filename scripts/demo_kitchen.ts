/**
 * Demo set-up: keeps the local default kitchen open around the clock so the
 * demo shows orders whatever the hour. Only for the local demo database.
 */
import { getKitchen, saveKitchen } from "../src/adapters/postgres/kitchen_repository.ts";
import { createPool } from "../src/adapters/postgres/pool.ts";
import type { Weekday } from "../src/domain/kitchen.ts";

const url = Deno.env.get("DATABASE_URL");
if (!url) throw new Error("DATABASE_URL is required (source .infra/env)");
const pool = createPool(url, { applicationName: "ovenline-demo" });
try {
  const kitchen = await getKitchen(pool, "main");
  if (!kitchen) throw new Error("the default kitchen 'main' is missing: run deno task migrate");
  const week: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  await saveKitchen(pool, {
    ...kitchen,
    hours: Object.fromEntries(week.map((d) => [d, [{ open: "00:00", close: "24:00" }]])),
  });
  console.log("demo: kitchen 'main' is open 24 hours a day (demo database only)");
} finally {
  await pool.end();
}
