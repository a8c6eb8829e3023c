/**
 * A CreateOrder load generator in its own process, for the scenarios that
 * need each order's client-side start time (order-to-KDS latency, fan-out).
 *
 * Open model at a constant rate: every 2 ms it starts the calls that are due
 * by then, never waiting for answers. For each order it records the moment
 * the call started (performance.timeOrigin + performance.now(): wall-clock
 * milliseconds with sub-millisecond resolution, comparable across processes
 * on this machine), the answer's latency, status and order id.
 *
 *   deno run -A bench/order_generator.ts --target 127.0.0.1:50051 --kitchen K \
 *     --rate 1000 --duration 60 --warmup 5 --customer-base 0 --out orders.ndjson
 *
 * Prints one JSON line {"ready":true} once its channels are connected, then
 * waits for "go" on stdin (so listeners can be ready first), runs, writes
 * `--out` (NDJSON, one order per line: [seq, startMs, latencyMs, status, orderId, error?])
 * and prints {"done":true,...}.
 */
import { parseArgs } from "node:util";
import { credentials, Metadata, type ServiceError, status as Code } from "@grpc/grpc-js";
import {
  OrderServiceClient,
  type PizzaOrderRequest,
} from "../src/gen/ovenline/v1/order_service.ts";
import { phoneFor, SCENARIO } from "../load/scenario.js";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    target: { type: "string", default: "127.0.0.1:50051" },
    kitchen: { type: "string", default: "" },
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "60" },
    warmup: { type: "string", default: "0" },
    "customer-base": { type: "string", default: "0" },
    connections: { type: "string", default: "4" },
    "timeout-ms": { type: "string", default: "10000" },
    out: { type: "string" },
    "no-wait": { type: "boolean", default: false },
  },
});

const rate = Number(values.rate);
const totalSeconds = Number(values.duration) + Number(values.warmup);
const total = Math.round(rate * totalSeconds);
const base = Number(values["customer-base"]);
const timeoutMs = Number(values["timeout-ms"]);
const now = () => performance.timeOrigin + performance.now();
const codeName = (c: number): string => (Code as unknown as Record<number, string>)[c] ?? String(c);

const clients = Array.from(
  { length: Math.max(1, Number(values.connections)) },
  // Distinct channel options: grpc-js would otherwise share one subchannel (one connection).
  (_, i) =>
    new OrderServiceClient(values.target!, credentials.createInsecure(), {
      "grpc.ovenline_bench_channel": i,
    }),
);
await Promise.all(
  clients.map((c) =>
    new Promise<void>((resolve, reject) =>
      c.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve()))
    )
  ),
);

const r = SCENARIO.request;
function request(n: number): PizzaOrderRequest {
  return {
    customerId: String(1_000_000 + base + n),
    pizzaName: r.pizzaName,
    quantity: r.quantity,
    customerFirstName: r.customerFirstName,
    customerLastName: r.customerLastName,
    customerPhone: phoneFor(base + n),
    deliveryAddress: r.deliveryAddress,
    isPickup: r.isPickup,
    extras: [],
    items: [],
    kitchenId: values.kitchen!,
    requestedTime: undefined,
    idempotencyKey: crypto.randomUUID(),
  };
}

const start = new Float64Array(total);
const latency = new Float64Array(total).fill(NaN);
const codes = new Int16Array(total).fill(-1);
const ids: string[] = new Array(total);
/** Error details (first 160 characters) of failed calls, by call number. */
const errorText = new Map<number, string>();
let answered = 0;
let resolveAll: () => void = () => {};
const allAnswered = new Promise<void>((r) => (resolveAll = r));

function send(n: number): void {
  const req = request(n);
  const t0 = now();
  start[n] = t0;
  clients[n % clients.length].createOrder(
    req,
    new Metadata(),
    { deadline: Date.now() + timeoutMs },
    (error: ServiceError | null, res) => {
      latency[n] = now() - t0;
      codes[n] = error ? error.code : 0;
      if (error) errorText.set(n, String(error.details ?? error.message).slice(0, 160));
      if (res) ids[n] = res.orderId;
      if (++answered === total) resolveAll();
    },
  );
}

const print = (o: unknown) => console.log(JSON.stringify(o));
print({ ready: true, total });
if (!values["no-wait"]) {
  // Wait for "go" from the harness.
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("go")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
  }
  reader.releaseLock();
}

const t0 = performance.now();
let sent = 0;
let maxBehindMs = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const elapsed = performance.now() - t0;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
    if (due - sent > 1) maxBehindMs = Math.max(maxBehindMs, ((due - sent - 1) * 1000) / rate);
    while (sent < due) send(sent++);
    if (sent >= total) return resolve();
    setTimeout(tick, 2);
  };
  tick();
});
const sendSeconds = (performance.now() - t0) / 1000;
await Promise.race([allAnswered, new Promise((r) => setTimeout(r, timeoutMs + 5_000))]);
for (const c of clients) c.close();

const lines: string[] = [];
for (let n = 0; n < total; n++) {
  const status = codes[n] < 0 ? "NO_ANSWER" : codeName(codes[n]);
  const line = [n, round3(start[n]), round3(latency[n]), status, ids[n] ?? null];
  if (errorText.has(n)) line.push(errorText.get(n)!);
  lines.push(JSON.stringify(line));
}
if (values.out) await Deno.writeTextFile(values.out, lines.join("\n") + "\n");
print({
  done: true,
  sent,
  answered,
  sendSeconds: round3(sendSeconds),
  maxBehindMs: round3(maxBehindMs),
});

function round3(v: number): number | null {
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;
}
Deno.exit(0);
