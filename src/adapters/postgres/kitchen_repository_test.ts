import assert from "node:assert/strict";
import { ValidationError } from "../../domain/errors.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import { DEFAULT_KITCHEN } from "../../domain/kitchen_config.ts";
import {
  getKitchen,
  getKitchenRecord,
  InvalidKitchenConfigError,
  KitchenVersionConflictError,
  loadKitchens,
  saveKitchen,
} from "./kitchen_repository.ts";
import { withTestDatabase } from "./test_database.ts";

const NORTH: KitchenConfig = {
  id: "north",
  displayName: "Ovenline — Северная",
  timeZone: "Asia/Yekaterinburg",
  hours: {
    mon: [{ open: "09:00", close: "14:00" }, { open: "15:00", close: "22:00" }],
    fri: [{ open: "10:00", close: "02:00" }],
  },
  slotMinutes: 10,
  leadMinutes: 20,
  capacity: 12,
  capacityUnit: "items",
  bookingHorizonDays: 2,
  stations: ["pizza", "oven"],
  acceptingOrders: false,
};

Deno.test("the seeded default kitchen is «main» with the documented configuration", async () => {
  await withTestDatabase(async ({ pool }) => {
    const main = await getKitchen(pool, "main");
    assert.deepEqual(main, DEFAULT_KITCHEN);
    assert.deepEqual(main, {
      id: "main",
      displayName: "Ovenline — Центральная",
      timeZone: "Europe/Moscow",
      hours: Object.fromEntries(
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{
          open: "10:00",
          close: "23:00",
        }]]),
      ),
      slotMinutes: 15,
      leadMinutes: 30,
      capacity: 2_000_000,
      capacityUnit: "value",
      bookingHorizonDays: 0,
      stations: ["pizza", "dessert"],
      acceptingOrders: true,
    });
    assert.equal((await getKitchenRecord(pool, "main"))?.version, 1);
  });
});

Deno.test("`saveKitchen()` then `loadKitchens()` round-trips a configuration, version 1 then +1", async () => {
  await withTestDatabase(async ({ pool }) => {
    const created = await saveKitchen(pool, NORTH);
    assert.equal(created.version, 1);
    assert.deepEqual(created.config, NORTH);
    assert.deepEqual(await loadKitchens(pool), [DEFAULT_KITCHEN, NORTH]);

    const changed = { ...NORTH, capacity: 20, acceptingOrders: true };
    const saved = await saveKitchen(pool, changed);
    assert.equal(saved.version, 2);
    assert.deepEqual(await getKitchen(pool, "north"), changed);
    assert.equal((await getKitchenRecord(pool, "main"))?.version, 1, "other kitchens untouched");
  });
});

Deno.test("`saveKitchen()` stores camelCase JSON without the id", async () => {
  await withTestDatabase(async ({ pool }) => {
    await saveKitchen(pool, NORTH);
    const { rows } = await pool.query<{ config: Record<string, unknown> }>(
      "SELECT config FROM kitchens WHERE id = 'north'",
    );
    assert.deepEqual(Object.keys(rows[0].config).sort(), [
      "acceptingOrders",
      "bookingHorizonDays",
      "capacity",
      "capacityUnit",
      "displayName",
      "hours",
      "leadMinutes",
      "slotMinutes",
      "stations",
      "timeZone",
    ]);
  });
});

Deno.test("`saveKitchen()` with a stale expectedVersion is refused and changes nothing", async () => {
  await withTestDatabase(async ({ pool }) => {
    const v1 = await saveKitchen(pool, NORTH, { expectedVersion: 0 });
    const v2 = await saveKitchen(pool, { ...NORTH, capacity: 30 }, { expectedVersion: v1.version });
    assert.equal(v2.version, 2);
    await assert.rejects(
      saveKitchen(pool, { ...NORTH, capacity: 99 }, { expectedVersion: 1 }),
      (error: unknown) =>
        error instanceof KitchenVersionConflictError && error.actualVersion === 2 &&
        error.expectedVersion === 1,
    );
    await assert.rejects(
      saveKitchen(pool, NORTH, { expectedVersion: 0 }),
      KitchenVersionConflictError,
    );
    await assert.rejects(
      saveKitchen(pool, { ...NORTH, id: "south" }, { expectedVersion: 3 }),
      (error: unknown) =>
        error instanceof KitchenVersionConflictError && error.actualVersion === undefined,
    );
    assert.equal((await getKitchen(pool, "north"))?.capacity, 30);
    assert.equal(await getKitchen(pool, "south"), undefined);
  });
});

Deno.test("`saveKitchen()` refuses an invalid configuration with ValidationError and writes nothing", async () => {
  await withTestDatabase(async ({ pool }) => {
    const bad = { ...NORTH, id: "west", timeZone: "Mars/Olympus", capacity: 0 };
    await assert.rejects(saveKitchen(pool, bad), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      const fields = error.violations.map((v) => v.field);
      assert.ok(fields.includes("timeZone") && fields.includes("capacity"), fields.join());
      return true;
    });
    assert.equal(await getKitchen(pool, "west"), undefined);
  });
});

Deno.test("`loadKitchens()` refuses a corrupt stored configuration, naming the kitchen", async () => {
  await withTestDatabase(async ({ pool }) => {
    await pool.query(
      `UPDATE kitchens SET config = config - 'timeZone' || '{"slotMinutes": "15"}' WHERE id = 'main'`,
    );
    await assert.rejects(loadKitchens(pool), (error: unknown) => {
      assert.ok(error instanceof InvalidKitchenConfigError);
      assert.equal(error.kitchenId, "main");
      assert.match(error.message, /timeZone/);
      assert.match(error.message, /slotMinutes/);
      return true;
    });
  });
});

Deno.test("`getKitchen()` of an unknown id is undefined", async () => {
  await withTestDatabase(async ({ pool }) => {
    assert.equal(await getKitchen(pool, "nowhere"), undefined);
    assert.equal(await getKitchenRecord(pool, "nowhere"), undefined);
  });
});
