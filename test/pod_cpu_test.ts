import assert from "node:assert/strict";
import { cpuMsPerOrder } from "./support/pod_cpu.ts";

Deno.test("CPU per order adds up every pod's CPU over the window", () => {
  const before = new Map([["intake-a", 10], ["intake-b", 20]]);
  const after = new Map([["intake-a", 11.5], ["intake-b", 20.5]]);
  assert.equal(cpuMsPerOrder(before, after, 1000), 2);
});

Deno.test("CPU per order refuses a window in which the pods changed", () => {
  const before = new Map([["intake-a", 10], ["intake-b", 20]]);
  const after = new Map([["intake-a", 11], ["intake-c", 1]]);
  assert.throws(() => cpuMsPerOrder(before, after, 100), /pods changed/);
});

Deno.test("CPU per order refuses a window without orders", () => {
  const pods = new Map([["intake-a", 10]]);
  assert.throws(() => cpuMsPerOrder(pods, pods, 0), /no orders/);
});
