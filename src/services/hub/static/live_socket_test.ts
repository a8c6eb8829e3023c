import assert from "node:assert/strict";
import { backoffDelay, closeVerdict, LiveSocket, socketUrl } from "./live_socket.js";

/** A WebSocket stand-in the test opens, feeds and closes by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  sent: string[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string, readonly protocols: string[]) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  open() {
    this.onopen?.();
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006, reason = "") {
    this.onclose?.({ code, reason });
  }
}

/** Timers run only when the test advances the clock. */
class FakeTimers {
  nowMs = 0;
  #next = 1;
  #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#due.set(id, { at: this.nowMs + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.#due.delete(id as number);
  now = () => this.nowMs;
  advance(ms: number) {
    const until = this.nowMs + ms;
    while (true) {
      const [id, next] = [...this.#due].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || next.at > until) break;
      this.#due.delete(id);
      this.nowMs = next.at;
      next.fn();
    }
    this.nowMs = until;
  }
  get pending() {
    return [...this.#due.values()].map((d) => d.at - this.nowMs);
  }
}

function setup(options: { pingIntervalMs?: number; onPong?: (pong: unknown) => void } = {}) {
  FakeSocket.all = [];
  const timers = new FakeTimers();
  const events: { type: string; eventId?: string }[] = [];
  const states: [string, Record<string, unknown>][] = [];
  const socket = new LiveSocket({
    url: (last) => `ws://hub/ws/kds${last ? `?lastEventId=${last}` : ""}`,
    protocols: () => ["ovenline", "bearer.tok"],
    onEvent: (e) => events.push(e),
    onState: (s, d) => states.push([s, d as Record<string, unknown>]),
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    timers,
    random: () => 0.5,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
    onPong: options.onPong,
    backoff: { baseMs: 1000, capMs: 8000 },
  });
  const last = () => FakeSocket.all.at(-1)!;
  return { socket, timers, events, states, last };
}

Deno.test("`LiveSocket` reconnects after a drop and sends the last event id it processed", () => {
  const { socket, timers, events, states, last } = setup();
  socket.start();
  assert.equal(last().url, "ws://hub/ws/kds");
  assert.deepEqual(last().protocols, ["ovenline", "bearer.tok"]);
  last().open();
  last().receive({ type: "snapshot", eventId: "100-0", orders: [] });
  last().receive({ type: "order.visible", eventId: "101-0" });
  assert.deepEqual(events.map((e) => e.eventId), ["100-0", "101-0"]);
  last().drop(1006);
  assert.equal(states.at(-1)![0], "offline");
  assert.equal(FakeSocket.all.length, 1, "waits before reconnecting");
  timers.advance(1000);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(last().url, "ws://hub/ws/kds?lastEventId=101-0");
  socket.stop();
});

Deno.test("`LiveSocket` backs off exponentially while the hub stays away, and resets once it talks", () => {
  const { socket, timers, states, last } = setup();
  socket.start();
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    last().drop(1006);
    waits.push(states.at(-1)![1].retryInMs as number);
    timers.advance(waits.at(-1)!);
  }
  // random 0.5 → 75 % of the ceiling: 1 s, 2 s, 4 s, 8 s, then the 8 s cap.
  assert.deepEqual(waits, [750, 1500, 3000, 6000, 6000, 6000]);
  last().open();
  last().receive({ type: "snapshot", eventId: "1-0" });
  last().drop(1006);
  assert.equal(states.at(-1)![1].retryInMs, 750);
  socket.stop();
});

Deno.test("`LiveSocket` stops and reports denied, when the hub closes with 4401 or 4403", () => {
  for (const code of [4401, 4403]) {
    const { socket, timers, states, last } = setup();
    socket.start();
    last().open();
    last().drop(code, "no token");
    assert.deepEqual(states.at(-1), ["denied", { attempt: 0, code, reason: "no token" }]);
    timers.advance(60_000);
    assert.equal(FakeSocket.all.length, 1, "no reconnect");
    socket.stop();
  }
});

Deno.test("`LiveSocket` resumes at once, when the hub cut it off as too slow (4008)", () => {
  const { socket, last } = setup();
  socket.start();
  last().open();
  last().receive({ type: "order.visible", eventId: "7-0" });
  last().drop(4008);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(last().url, "ws://hub/ws/kds?lastEventId=7-0");
  socket.stop();
});

Deno.test("`LiveSocket` pings, measures the clock from pongs, and reconnects when pongs stop", () => {
  const pongs: unknown[] = [];
  const { socket, timers, states, last } = setup({
    pingIntervalMs: 1000,
    onPong: (p) => pongs.push(p),
  });
  socket.start();
  last().open();
  timers.advance(1000);
  assert.deepEqual(last().sent, ['{"type":"ping"}']);
  timers.advance(50);
  last().receive({ type: "pong", at: "2026-11-26T09:00:00.000Z" });
  assert.deepEqual(pongs, [{
    sentMs: timers.nowMs - 50,
    receivedMs: timers.nowMs,
    at: "2026-11-26T09:00:00.000Z",
  }]);
  // Silence: after two intervals without a word the link is taken for dead.
  timers.advance(3000);
  assert.equal(last().closedWith, 4000);
  assert.equal(states.at(-1)![0], "offline");
  socket.stop();
});

Deno.test("`LiveSocket.restart({ forget })` reconnects without the last event id", () => {
  const { socket, last } = setup();
  socket.start();
  last().open();
  last().receive({ type: "snapshot", eventId: "5-0" });
  socket.restart({ forget: true });
  assert.equal(FakeSocket.all[0].closedWith, 1000);
  assert.equal(last().url, "ws://hub/ws/kds");
  socket.stop();
});

Deno.test("`LiveSocket` ignores messages that are not envelopes, and late events of a dropped socket", () => {
  const { socket, events, last } = setup();
  socket.start();
  const first = last();
  first.open();
  first.onmessage?.({ data: "not json" });
  first.receive({ no: "type" });
  socket.restart();
  first.receive({ type: "order.visible", eventId: "9-0" });
  assert.deepEqual(events, []);
  socket.stop();
});

Deno.test("`backoffDelay()` doubles up to the cap with jitter between half and all of it", () => {
  const b = { baseMs: 500, capMs: 10_000 };
  assert.equal(backoffDelay(0, b, 0), 250);
  assert.equal(backoffDelay(0, b, 0.999999), 500);
  assert.equal(backoffDelay(3, b, 0.999999), 4000);
  assert.equal(backoffDelay(50, b, 0.999999), 10_000);
});

Deno.test("`closeVerdict()` maps the hub's close codes", () => {
  assert.equal(closeVerdict(4401), "denied");
  assert.equal(closeVerdict(4403), "denied");
  assert.equal(closeVerdict(4400), "failed");
  assert.equal(closeVerdict(4008), "resume-now");
  assert.equal(closeVerdict(1012), "retry");
  assert.equal(closeVerdict(1006), "retry");
});

Deno.test("`socketUrl()` builds ws:// or wss:// next to the page and leaves out empty params", () => {
  assert.equal(
    socketUrl("http://hub:8080/kds?station=pizza&token=x", "ws/kds", {
      kitchen: "main",
      station: undefined,
      lastEventId: "",
    }),
    "ws://hub:8080/ws/kds?kitchen=main",
  );
  assert.equal(
    socketUrl("https://ovenline.example/shop/erp", "ws/erp", { lastEventId: "1-0" }),
    "wss://ovenline.example/shop/ws/erp?lastEventId=1-0",
  );
});
