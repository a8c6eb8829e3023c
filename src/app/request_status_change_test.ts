import assert from "node:assert/strict";
import { ValidationError } from "../domain/errors.ts";
import type { Order } from "../domain/order.ts";
import type { OrderEvent } from "../domain/order_event.ts";
import { requestStatusChange } from "./request_status_change.ts";

function deps(status = "pending") {
  const appended: OrderEvent[] = [];
  let lookups = 0;
  return {
    appended,
    lookups: () => lookups,
    deps: {
      clock: { now: () => new Date("2030-01-01T12:00:00Z") },
      orders: {
        get: (id: string) => {
          lookups++;
          return Promise.resolve(
            { id, status, version: 1, customer: { id: "7" } } as unknown as Order,
          );
        },
      },
      log: {
        append: (event: OrderEvent) => {
          appended.push(event);
          return Promise.resolve();
        },
      },
      newEventId: () => "e-1",
    },
  };
}

Deno.test("`requestStatusChange()` refuses a reason PostgreSQL cannot store or a screen cannot show, before anything", async () => {
  for (const reason of ["a\u0000b", "changed\nmind", "\u001b[2J", "x".repeat(201), "a\u2028b"]) {
    const d = deps();
    await assert.rejects(
      requestStatusChange(d.deps, { orderId: "o-1", to: "cancelled", actor: "customer", reason }),
      (e: Error) => e instanceof ValidationError && e.violations[0].field === "reason",
      JSON.stringify(reason.slice(0, 20)),
    );
    assert.equal(d.appended.length, 0, "nothing produced");
    assert.equal(d.lookups(), 0, "not even looked up");
  }
});

Deno.test("`requestStatusChange()` keeps a reason of up to 200 characters in any script", async () => {
  for (const reason of ["", "передумал 🍕", "x".repeat(200), "🍕".repeat(200)]) {
    const d = deps();
    await requestStatusChange(d.deps, {
      orderId: "o-1",
      to: "cancelled",
      actor: "customer",
      reason,
    });
    assert.equal(d.appended.length, 1);
    assert.equal((d.appended[0] as { reason: string }).reason, reason);
  }
});
