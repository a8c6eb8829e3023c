// @ts-check
/**
 * k6: CreateOrder at a constant arrival rate (the benchmark's fixed-rate
 * scenario), with thresholds equal to the targets.
 *
 *   k6 run load/create_orders.js
 *   k6 run -e INTAKE_ADDR=127.0.0.1:50051 -e RATE=3000 -e DURATION=60s -e KITCHEN=main load/create_orders.js
 *   k6 run -e PRESET=light load/create_orders.js     # the light scenario's first rate, p99 ≤ lightCreateP99Ms
 *
 * Rate, duration and thresholds come from load/scenario.js (shared with
 * `deno task bench`). The service definition comes from intake's gRPC server
 * reflection, so no proto files have to travel with the script (in the chart's
 * k6 TestRun only load/*.js are shipped). Each iteration is one order from a
 * distinct customer and phone with its own idempotency key.
 *
 * The orders come from made-up customers without tokens: intake must believe anonymous callers
 * (ALLOW_ANONYMOUS_CUSTOMERS, the chart's intake.customers.allowAnonymous; a test cluster only).
 *
 * Environment: INTAKE_ADDR (host:port; the TestRun sets it), KITCHEN (empty:
 * the default kitchen), PRESET (light), RATE, DURATION (k6 duration, e.g. "60s"), VUS (pre-allocated).
 */
import grpc from "k6/net/grpc";
import { check } from "k6";
import exec from "k6/execution";
import { Counter } from "k6/metrics";
import { phoneFor, SCENARIO, TARGETS } from "./scenario.js";

const ADDR = __ENV.INTAKE_ADDR || "127.0.0.1:50051";
const KITCHEN = __ENV.KITCHEN || "";
/** PRESET=light: the light scenario (its first rate and its tighter p99); default: fixed-rate. */
const LIGHT = __ENV.PRESET === "light";
const RATE = Number(
  __ENV.RATE || (LIGHT ? SCENARIO.light.ratesPerSecond[0] : SCENARIO.fixedRate.ratePerSecond),
);
const DURATION = __ENV.DURATION ||
  `${LIGHT ? SCENARIO.light.durationSeconds : SCENARIO.fixedRate.durationSeconds}s`;
const CREATE_P99_MS = LIGHT ? TARGETS.lightCreateP99Ms : TARGETS.createP99Ms;
/** Distinct customers per run: a run-specific offset keeps two runs within the rate-limit window apart. */
const CUSTOMER_BASE = Number(__ENV.CUSTOMER_BASE || Date.now() % 1000000) * 1000;

const createErrors = new Counter("create_errors");

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    create_orders: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: Number(__ENV.VUS || Math.max(50, Math.ceil(RATE / 20))),
      maxVUs: Math.max(200, Math.ceil(RATE / 5)),
    },
  },
  thresholds: {
    // Create p99 ≤ 25 ms (light: 10 ms), and no call may fail.
    grpc_req_duration: [`p(99)<=${CREATE_P99_MS}`],
    create_errors: ["count==0"],
    checks: ["rate==1"],
    // The arrival rate must actually be reached (k6 drops iterations when VUs run out).
    dropped_iterations: ["count==0"],
  },
};

const client = new grpc.Client();
let connected = false;

export default function () {
  if (!connected) {
    client.connect(ADDR, { plaintext: true, reflect: true, timeout: "10s" });
    connected = true;
  }
  const n = CUSTOMER_BASE + exec.scenario.iterationInTest;
  const r = SCENARIO.request;
  const response = client.invoke("ovenline.v1.OrderService/CreateOrder", {
    customerId: String(1000000 + n),
    pizzaName: r.pizzaName,
    quantity: r.quantity,
    customerFirstName: r.customerFirstName,
    customerLastName: r.customerLastName,
    customerPhone: phoneFor(n),
    deliveryAddress: r.deliveryAddress,
    isPickup: r.isPickup,
    kitchenId: KITCHEN,
    idempotencyKey: `k6-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${Date.now()}`,
  }, { timeout: `${SCENARIO.grpc.timeoutMs}ms` });
  const ok = check(response, {
    "CreateOrder is OK": (res) => res !== null && res.status === grpc.StatusOK,
  });
  if (!ok) createErrors.add(1, { status: String(response && response.status) });
}
