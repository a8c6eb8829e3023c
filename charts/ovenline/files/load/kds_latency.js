// @ts-check
/**
 * k6: order-to-screen time. KDS WebSocket listeners (one socket per VU) watch
 * a kitchen while orders arrive at a constant rate; each order.visible event
 * that reaches a socket adds "now − start of its CreateOrder" to the Trend
 * kds_order_to_screen. Thresholds equal the targets (p99 ≤ 100 ms at the
 * benchmark's kdsLatency rate).
 *
 *   k6 run -e HUB_WS_URL=ws://127.0.0.1:8080 -e INTAKE_ADDR=127.0.0.1:50051 \
 *          -e KDS_TOKEN=$(deno task --quiet token --role kitchen) -e KITCHEN=main load/kds_latency.js
 *
 * Scenario parameters (rate, duration, sockets) come from load/scenario.js,
 * shared with `deno task bench --only kds-latency`.
 *
 * How a listener knows when an order was started, across VUs: the creating
 * VU puts its start time into the customer id (startMs × 1000 + a counter,
 * < 2^53, a valid int64), and the order JSON on the KDS carries
 * `order.customer.id`. Every VU runs in the same k6 process on one clock.
 *
 * Use a kitchen with room for every order (capacity in orders, lead ≥ slot
 * length, open now) so each order is due on the KDS at once, and with no
 * active orders (each socket's first snapshot stays small).
 *
 * The orders come from made-up customers without tokens: intake must believe anonymous callers
 * (ALLOW_ANONYMOUS_CUSTOMERS, the chart's intake.customers.allowAnonymous; a test cluster only).
 *
 * Environment: HUB_WS_URL, INTAKE_ADDR (the TestRun sets both), KDS_TOKEN
 * (a kitchen-role bearer token; pass with `-e` or the TestRun's arguments),
 * KITCHEN, PRESET (kds-500), RATE, DURATION (seconds), SOCKETS.
 */
import grpc from "k6/net/grpc";
import ws from "k6/ws";
import { check } from "k6";
import exec from "k6/execution";
import { Counter, Trend } from "k6/metrics";
import { phoneFor, SCENARIO, TARGETS } from "./scenario.js";

const WS_BASE = __ENV.HUB_WS_URL || "ws://127.0.0.1:8080";
const ADDR = __ENV.INTAKE_ADDR || "127.0.0.1:50051";
const TOKEN = __ENV.KDS_TOKEN || "";
const KITCHEN = __ENV.KITCHEN || "main";
/** PRESET=kds-500: the kds-500 scenario's rate, duration and sockets; default: kds-latency. */
const PRESET = __ENV.PRESET === "kds-500" ? SCENARIO.kds500 : SCENARIO.kdsLatency;
const RATE = Number(__ENV.RATE || PRESET.ratePerSecond);
const DURATION_S = Number(__ENV.DURATION || PRESET.durationSeconds);
const SOCKETS = Number(__ENV.SOCKETS || PRESET.sockets);
/** Listeners connect first; orders start after this. */
const CONNECT_S = 5;
/** Listeners stay after the last order for late deliveries. */
const LINGER_S = 5;

const orderToScreen = new Trend("kds_order_to_screen", true);
const ordersSeen = new Counter("kds_orders_seen");
const createErrors = new Counter("create_errors");
const socketErrors = new Counter("kds_socket_errors");

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    kds: {
      executor: "per-vu-iterations",
      exec: "listen",
      vus: SOCKETS,
      iterations: 1,
      maxDuration: `${CONNECT_S + DURATION_S + LINGER_S + 30}s`,
    },
    orders: {
      executor: "constant-arrival-rate",
      exec: "createOrder",
      startTime: `${CONNECT_S}s`,
      rate: RATE,
      timeUnit: "1s",
      duration: `${DURATION_S}s`,
      preAllocatedVUs: Math.max(50, Math.ceil(RATE / 20)),
      maxVUs: Math.max(200, Math.ceil(RATE / 5)),
    },
  },
  thresholds: {
    kds_order_to_screen: [`p(99)<=${TARGETS.orderToKdsP99Ms}`],
    "grpc_req_duration{scenario:orders}": [`p(99)<=${TARGETS.createP99Ms}`],
    create_errors: ["count==0"],
    kds_socket_errors: ["count==0"],
    dropped_iterations: ["count==0"],
  },
};

export function listen() {
  const url = `${WS_BASE}/ws/kds?kitchen=${encodeURIComponent(KITCHEN)}`;
  const res = ws.connect(url, {
    headers: { "Sec-WebSocket-Protocol": `ovenline, bearer.${TOKEN}` },
  }, (socket) => {
    socket.on("message", (data) => {
      const now = Date.now();
      /** @type {{ type?: string, order?: { customer?: { id?: string } } }} */
      const event = JSON.parse(data);
      if (event.type !== "order.visible") return;
      const id = Number(event.order && event.order.customer && event.order.customer.id);
      if (!Number.isFinite(id) || id < 1e15) return; // not an order of this script
      orderToScreen.add(now - Math.floor(id / 1000));
      ordersSeen.add(1);
    });
    socket.on("error", () => socketErrors.add(1));
    socket.setTimeout(() => socket.close(), (CONNECT_S + DURATION_S + LINGER_S) * 1000);
  });
  check(res, { "KDS socket upgraded": (r) => r !== null && r.status === 101 });
}

const client = new grpc.Client();
let connected = false;

export function createOrder() {
  if (!connected) {
    client.connect(ADDR, { plaintext: true, reflect: true, timeout: "10s" });
    connected = true;
  }
  const seq = exec.scenario.iterationInTest;
  const start = Date.now();
  const r = SCENARIO.request;
  const response = client.invoke("ovenline.v1.OrderService/CreateOrder", {
    customerId: String(start * 1000 + (seq % 1000)),
    pizzaName: r.pizzaName,
    quantity: r.quantity,
    customerFirstName: r.customerFirstName,
    customerLastName: r.customerLastName,
    customerPhone: phoneFor((start % 1000000) * 1000 + (seq % 1000)),
    deliveryAddress: r.deliveryAddress,
    isPickup: r.isPickup,
    kitchenId: KITCHEN,
    idempotencyKey: `k6-kds-${seq}-${start}`,
  }, { timeout: `${SCENARIO.grpc.timeoutMs}ms` });
  const ok = check(response, {
    "CreateOrder is OK": (res) => res !== null && res.status === grpc.StatusOK,
  });
  if (!ok) createErrors.add(1);
}
