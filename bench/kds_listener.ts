/**
 * KDS WebSocket listeners in their own process: opens N sockets to the hub
 * (bearer token in the subprotocol, as the KDS page does) and records, for
 * every order.visible event, when each socket received it.
 *
 *   deno run -A bench/kds_listener.ts --url ws://127.0.0.1:8080/ws/kds?kitchen=K \
 *     --token T --sockets 250 --out listener-0.json
 *
 * Prints {"ready":...} once every socket is open and has its first snapshot
 * (its subscription is live), records until a line "stop" arrives on stdin,
 * writes --out and prints {"done":...}.
 *
 * Receipt time: performance.timeOrigin + performance.now() when the message
 * event fires. Messages are not JSON-parsed: the envelope's type, event time
 * (`at`) and the order's id and createdAt are read by position, so 50,000
 * messages a second do not cost a listener a core (the hub writes the
 * envelope as {"type":…,"eventId":…,"at":…,"kitchenId":…,"order":{"id":…}}).
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    token: { type: "string", default: "" },
    sockets: { type: "string", default: "1" },
    out: { type: "string" },
    "open-batch": { type: "string", default: "25" },
    "open-timeout-ms": { type: "string", default: "30000" },
  },
});
const url = values.url!;
const count = Number(values.sockets);
const now = () => performance.timeOrigin + performance.now();
const print = (o: unknown) => console.log(JSON.stringify(o));

interface OrderSeen {
  /** Receipt time per socket of this process (NaN: not received). */
  readonly t: Float64Array;
  at: number;
  createdAt: number;
}

const orders = new Map<string, OrderSeen>();
const typeCounts: Record<string, number> = {};
const closeCodes: Record<string, number> = {};
let duplicates = 0;
let unparsed = 0;
let openFailures = 0;
let closedEarly = 0;
let stopping = false;

/** The string value after `"key":"` from `from` on, or undefined. */
function field(text: string, key: string, from = 0): string | undefined {
  const tag = `"${key}":"`;
  const i = text.indexOf(tag, from);
  if (i < 0) return undefined;
  const s = i + tag.length;
  const e = text.indexOf('"', s);
  return e < 0 ? undefined : text.slice(s, e);
}

function onMessage(socketIndex: number, data: unknown, receivedAt: number): void {
  if (typeof data !== "string") return void unparsed++;
  const type = field(data, "type") ?? "?";
  typeCounts[type] = (typeCounts[type] ?? 0) + 1;
  if (type !== "order.visible") return;
  const orderAt = data.indexOf('"order":{');
  const id = orderAt < 0 ? undefined : field(data, "id", orderAt);
  if (!id) return void unparsed++;
  let seen = orders.get(id);
  if (!seen) {
    seen = {
      t: new Float64Array(count).fill(NaN),
      at: Date.parse(field(data, "at") ?? ""),
      createdAt: Date.parse(field(data, "createdAt", orderAt) ?? ""),
    };
    orders.set(id, seen);
  }
  if (!Number.isNaN(seen.t[socketIndex])) duplicates++;
  else seen.t[socketIndex] = receivedAt;
}

let openTimeouts = 0;
const OPEN_TIMEOUT_MS = Number(values["open-timeout-ms"]);

function open(i: number): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ["ovenline", `bearer.${values.token}`]);
    let live = false;
    let failed = false;
    const fail = () => {
      if (live || failed) return;
      failed = true;
      openFailures++;
      clearTimeout(timer);
      resolve(undefined);
    };
    // Open and first snapshot within the limit, or it counts as a failure (and is closed).
    const timer = setTimeout(() => {
      if (live) return;
      openTimeouts++;
      fail();
      ws.close();
    }, OPEN_TIMEOUT_MS);
    ws.onmessage = (e) => {
      const t = now();
      if (!live && !failed) {
        live = true;
        clearTimeout(timer);
        resolve(ws);
      }
      if (live) onMessage(i, e.data, t);
    };
    ws.onerror = () => fail();
    ws.onclose = (e) => {
      // Only closes before "stop" (the hub's or the network's doing): the listener's own at the end are not findings.
      if (!stopping) closeCodes[e.code] = (closeCodes[e.code] ?? 0) + 1;
      if (live && !stopping) closedEarly++;
      fail();
    };
  });
}

const sockets: (WebSocket | undefined)[] = [];
const batch = Number(values["open-batch"]);
const openStart = performance.now();
for (let i = 0; i < count; i += batch) {
  const opened = await Promise.all(
    Array.from({ length: Math.min(batch, count - i) }, (_, k) => open(i + k)),
  );
  sockets.push(...opened);
}
print({
  ready: true,
  open: sockets.filter(Boolean).length,
  failed: openFailures,
  timedOut: openTimeouts,
  openMs: Math.round(performance.now() - openStart),
});

const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let buffered = "";
while (!buffered.includes("stop")) {
  const { value, done } = await reader.read();
  if (done) break;
  buffered += value;
}
stopping = true;
for (const ws of sockets) ws?.close();

if (values.out) {
  const file = await Deno.open(values.out, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const head = {
    sockets: count,
    open: sockets.filter(Boolean).length,
    openFailures,
    openTimeouts,
    closedEarly,
    closeCodes,
    duplicates,
    unparsed,
    typeCounts,
  };
  await file.write(enc.encode(JSON.stringify(head) + "\n"));
  let chunk = "";
  for (const [id, seen] of orders) {
    const t = Array.from(seen.t, (v) => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000));
    chunk += JSON.stringify([id, seen.at, seen.createdAt, t]) + "\n";
    if (chunk.length > 1 << 20) {
      await file.write(enc.encode(chunk));
      chunk = "";
    }
  }
  await file.write(enc.encode(chunk));
  file.close();
}
print({ done: true, orders: orders.size, duplicates, closedEarly });
Deno.exit(0);
