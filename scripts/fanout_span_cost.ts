/**
 * What per-socket delivery spans cost the hub's fan-out: publishes events to
 * N in-memory sockets with the entries untraced and traced, and prints the
 * time per event and per delivery (ratios and percentiles, not one number).
 *   OTEL_DENO=true OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 \
 *     OTEL_EXPORTER_OTLP_PROTOCOL=http/json deno run -A scripts/fanout_span_cost.ts \
 *     [sockets] [events] [max delivery spans per event]
 * (point it at `deno task otel:print --quiet-ms 600000` or any receiver; without
 * OTEL_DENO both runs are untraced and measure the no-op cost).
 */
import type { StreamEntry } from "../src/adapters/redis/event_stream.ts";
import { ClientSession, type PushSocket } from "../src/services/hub/client_session.ts";
import { Fanout } from "../src/services/hub/fanout.ts";

const sockets = Number(Deno.args[0] ?? 1000);
const events = Number(Deno.args[1] ?? 300);
/** Per-socket spans per event (the hub's HUB_MAX_DELIVERY_SPANS); default: every socket. */
const maxDeliverySpans = Number(Deno.args[2] ?? sockets);

const fakeSocket = () =>
  ({
    readyState: WebSocket.OPEN,
    bufferedAmount: 0,
    send() {},
    close() {},
  }) as PushSocket;

const fanout = new Fanout((e) => Promise.resolve([...e]), () => {}, maxDeliverySpans);
for (let i = 0; i < sockets; i++) {
  const session = new ClientSession(fakeSocket(), {
    channel: "kds",
    kitchenId: "main",
    view: "staff",
  }, 1 << 20);
  session.goLive("0-0");
  fanout.add(session);
}

const order = JSON.stringify({
  id: crypto.randomUUID(),
  kitchenId: "main",
  createdAt: new Date().toISOString(),
  visibleAt: new Date(Date.now() - 1000).toISOString(),
  items: [{ station: "pizza" }],
});
const hex = (n: number) =>
  [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join(
    "",
  );

function entry(i: number, traced: boolean): StreamEntry {
  return {
    id: `${Date.now()}-${i}`,
    type: "order.visible",
    kitchenId: "main",
    at: new Date().toISOString(),
    orderId: "o",
    order,
    traceparent: traced ? `00-${hex(16)}-${hex(8)}-01` : undefined,
  };
}

async function run(traced: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < events; i++) {
    const started = performance.now();
    await fanout.publish([entry(i, traced)]);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
await run(false); // warm up
await run(true);
const plain = await run(false);
const traced = await run(true);
for (const [name, t] of [["untraced", plain], ["traced", traced]] as const) {
  console.log(
    `${name}: per event p50 ${pct(t, 0.5).toFixed(3)} ms, p99 ${pct(t, 0.99).toFixed(3)} ms; ` +
      `per delivery p50 ${(pct(t, 0.5) * 1000 / sockets).toFixed(2)} µs`,
  );
}
console.log(
  `${sockets} sockets, ${events} events, ≤ ${maxDeliverySpans} delivery spans each: traced/untraced p50 ratio ${
    (pct(traced, 0.5) / pct(plain, 0.5)).toFixed(1)
  }×; OTEL_DENO=${Deno.env.get("OTEL_DENO") ?? "(unset)"}`,
);
