import assert from "node:assert/strict";
import {
  DependencyUnavailableError,
  KitchenClosedError,
  OutOfStockError,
  OverloadedError,
  RateLimitedError,
  SlotsFullError,
  ValidationError,
} from "../domain/errors.ts";
import { rejectionReason, SERVER_FAULTS } from "./create_order_metrics.ts";

Deno.test("rejectionReason() names each refusal with one of the documented reasons", () => {
  assert.equal(
    rejectionReason(new ValidationError([{ field: "quantity", reason: "x" }])),
    "invalid",
  );
  assert.equal(rejectionReason(new OutOfStockError(["Маргарита"])), "out_of_stock");
  assert.equal(rejectionReason(new SlotsFullError()), "slots_full");
  assert.equal(
    rejectionReason(new KitchenClosedError("closed", undefined, new Date(0))),
    "kitchen_closed",
  );
  assert.equal(rejectionReason(new RateLimitedError(1000, "phone")), "rate_limited");
  assert.equal(rejectionReason(new DependencyUnavailableError("kafka")), "unavailable");
  assert.equal(rejectionReason(new OverloadedError("intake", 600)), "overloaded");
  assert.equal(rejectionReason(new Error("bug")), "internal");
});

Deno.test("only overloaded, unavailable and internal count against the error-rate SLO", () => {
  assert.deepEqual([...SERVER_FAULTS].sort(), ["internal", "overloaded", "unavailable"]);
});
