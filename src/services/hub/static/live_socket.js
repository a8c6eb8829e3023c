// @ts-check
/**
 * A WebSocket to the hub that never gives up: it reconnects with exponential backoff and resumes
 * where it left off by sending the last event id it processed (`lastEventId`), so the hub replays
 * what was missed or sends a fresh snapshot (docs/hub-api.md). It pings to notice a dead link
 * (tablet Wi-Fi drops silently), and stops only for "access denied" (4401/4403) or a bad query
 * (4400). When the hub closes it because its token expired (4001) it reconnects at once with the
 * page's current (renewed) token; `authenticate()` hands a renewed token to the open socket so
 * that it is not closed at all. No DOM: the WebSocket class and timers are injected, so tests drive it with fakes.
 */

/**
 * @typedef {"connecting" | "open" | "offline" | "denied" | "failed"} SocketState
 * @typedef {{ attempt: number, retryInMs?: number, code?: number, reason?: string }} StateDetail
 * @typedef {{ type: string, eventId?: string, at?: string, [more: string]: unknown }} Envelope
 * @typedef {{
 *   setTimeout: (fn: () => void, ms: number) => unknown,
 *   clearTimeout: (id: unknown) => void,
 *   now: () => number,
 * }} Timers
 * @typedef {{
 *   url: (lastEventId: string | undefined) => string,
 *   protocols?: () => string[],
 *   onEvent: (event: Envelope) => void,
 *   onState?: (state: SocketState, detail: StateDetail) => void,
 *   onPong?: (pong: { sentMs: number, receivedMs: number, at: string }) => void,
 *   WebSocketImpl?: typeof WebSocket,
 *   timers?: Timers,
 *   random?: () => number,
 *   pingIntervalMs?: number,
 *   backoff?: Backoff,
 * }} LiveSocketOptions
 * @typedef {{ baseMs: number, capMs: number }} Backoff
 */

export const DEFAULT_BACKOFF = /** @type {Backoff} */ ({ baseMs: 500, capMs: 10_000 });

export const CLOSE = /** @type {const} */ ({
  badQuery: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  tooSlow: 4008,
  tokenExpired: 4001,
  restarting: 1012,
  heartbeat: 4000,
});

/**
 * The wait before reconnect attempt `attempt` (0-based): doubling from `baseMs` up to `capMs`,
 * with jitter in [50 %, 100 %] so a kitchen full of tablets does not reconnect in lockstep.
 * @param {number} attempt
 * @param {Backoff} backoff
 * @param {number} random a number in [0, 1)
 */
export function backoffDelay(attempt, backoff, random) {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random / 2));
}

/**
 * What a close code means for the client.
 * @param {number} code
 * @returns {"denied" | "failed" | "resume-now" | "retry"}
 */
export function closeVerdict(code) {
  if (code === CLOSE.unauthorized || code === CLOSE.forbidden) return "denied";
  if (code === CLOSE.badQuery) return "failed";
  if (code === CLOSE.tooSlow || code === CLOSE.tokenExpired) return "resume-now";
  return "retry";
}

const browserTimers = /** @type {Timers} */ ({
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(/** @type {number} */ (id)),
  now: () => Date.now(),
});

export class LiveSocket {
  /** @type {WebSocket | undefined} */
  #ws;
  /** @type {string | undefined} */
  #lastEventId;
  #attempt = 0;
  #stopped = true;
  /** @type {unknown} */
  #retryTimer;
  /** @type {unknown} */
  #pingTimer;
  #lastHeardMs = 0;
  #pingSentMs = 0;
  /** @type {SocketState} */
  #state = "offline";
  /** @type {Required<Omit<LiveSocketOptions, "onPong">> & Pick<LiveSocketOptions, "onPong">} */
  #o;

  /** @param {LiveSocketOptions} options */
  constructor(options) {
    this.#o = {
      protocols: () => [],
      onState: () => {},
      WebSocketImpl: globalThis.WebSocket,
      timers: browserTimers,
      random: Math.random,
      pingIntervalMs: 15_000,
      backoff: DEFAULT_BACKOFF,
      ...options,
    };
  }

  /** The id of the last event handed to `onEvent` (sent as `lastEventId` on reconnect). */
  get lastEventId() {
    return this.#lastEventId;
  }

  get state() {
    return this.#state;
  }

  start() {
    this.#stopped = false;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    this.#clearTimers();
    this.#drop();
  }

  /**
   * Closes and reconnects at once. `forget` drops `lastEventId` so the hub sends a fresh
   * snapshot (the station filter changed, so what was missed is not what the board needs).
   * @param {{ forget?: boolean }} [options]
   */
  restart({ forget = false } = {}) {
    if (forget) this.#lastEventId = undefined;
    this.#attempt = 0;
    this.#clearTimers();
    this.#drop();
    this.#stopped = false;
    this.#connect();
  }

  /**
   * Gives the hub a renewed token for this socket, which then stays open past the old one's expiry.
   * @param {string} token
   */
  authenticate(token) {
    try {
      this.#ws?.send(JSON.stringify({ type: "auth", token }));
    } catch { /* not open: the next connection offers the renewed token anyway */ }
  }

  /** Skips the backoff wait (the device came back online or the page became visible). */
  reconnectNow() {
    if (this.#stopped || this.#state !== "offline") return;
    this.#clearTimers();
    this.#connect();
  }

  #connect() {
    if (this.#stopped) return;
    this.#setState("connecting", { attempt: this.#attempt });
    const protocols = this.#o.protocols();
    /** @type {WebSocket} */
    let ws;
    try {
      ws = new this.#o.WebSocketImpl(this.#o.url(this.#lastEventId), protocols);
    } catch (error) {
      this.#retryLater(undefined, String(error));
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      if (this.#ws !== ws) return;
      this.#lastHeardMs = this.#o.timers.now();
      this.#setState("open", { attempt: this.#attempt });
      this.#schedulePing();
    };
    ws.onmessage = (message) => {
      if (this.#ws !== ws) return;
      this.#lastHeardMs = this.#o.timers.now();
      this.#attempt = 0; // the hub talks to us: the next outage starts its backoff afresh
      this.#receive(message.data);
    };
    ws.onclose = (event) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#closed(event.code, event.reason);
    };
    ws.onerror = () => {}; // a close event always follows
  }

  /** @param {unknown} data */
  #receive(data) {
    /** @type {Envelope} */
    let event;
    try {
      event = JSON.parse(String(data));
    } catch {
      return; // not ours
    }
    if (!event || typeof event.type !== "string") return;
    if (event.type === "auth.ok") return;
    if (event.type === "pong") {
      if (this.#pingSentMs > 0 && typeof event.at === "string") {
        this.#o.onPong?.({
          sentMs: this.#pingSentMs,
          receivedMs: this.#o.timers.now(),
          at: event.at,
        });
      }
      return;
    }
    try {
      this.#o.onEvent(event);
    } finally {
      // Even a handler failure moves on: replaying the same event would fail the same way.
      if (typeof event.eventId === "string" && event.eventId !== "") {
        this.#lastEventId = event.eventId;
      }
    }
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  #closed(code, reason) {
    this.#clearTimers();
    if (this.#stopped) return;
    const verdict = closeVerdict(code);
    if (verdict === "denied") this.#setState("denied", { attempt: this.#attempt, code, reason });
    else if (verdict === "failed") {
      this.#setState("failed", { attempt: this.#attempt, code, reason });
    } else if (verdict === "resume-now") {
      this.#attempt = 0;
      this.#connect();
    } else this.#retryLater(code, reason);
  }

  /**
   * @param {number | undefined} code
   * @param {string} reason
   */
  #retryLater(code, reason) {
    const retryInMs = backoffDelay(this.#attempt, this.#o.backoff, this.#o.random());
    this.#attempt += 1;
    this.#setState("offline", { attempt: this.#attempt, retryInMs, code, reason });
    this.#retryTimer = this.#o.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, retryInMs);
  }

  #schedulePing() {
    this.#pingTimer = this.#o.timers.setTimeout(() => {
      this.#pingTimer = undefined;
      const ws = this.#ws;
      if (!ws) return;
      const silentMs = this.#o.timers.now() - this.#lastHeardMs;
      if (silentMs > 2 * this.#o.pingIntervalMs) {
        // No pong for two rounds: the link is dead even if the browser has not noticed.
        this.#drop(CLOSE.heartbeat, "no pong");
        this.#closed(CLOSE.heartbeat, "no pong");
        return;
      }
      this.#pingSentMs = this.#o.timers.now();
      try {
        ws.send(JSON.stringify({ type: "ping" }));
      } catch { /* closing; onclose follows */ }
      this.#schedulePing();
    }, this.#o.pingIntervalMs);
  }

  /**
   * Detaches and closes the current socket; its late events are ignored.
   * @param {number} [code]
   * @param {string} [reason]
   */
  #drop(code = 1000, reason = "bye") {
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    try {
      ws.close(code, reason);
    } catch { /* already closed */ }
  }

  #clearTimers() {
    if (this.#retryTimer !== undefined) this.#o.timers.clearTimeout(this.#retryTimer);
    if (this.#pingTimer !== undefined) this.#o.timers.clearTimeout(this.#pingTimer);
    this.#retryTimer = undefined;
    this.#pingTimer = undefined;
  }

  /**
   * @param {SocketState} state
   * @param {StateDetail} detail
   */
  #setState(state, detail) {
    this.#state = state;
    this.#o.onState(state, detail);
  }
}

/**
 * The ws:// or wss:// URL of a hub socket path next to the page, with query parameters
 * (undefined and empty ones left out).
 * @param {string} pageHref the page's location.href
 * @param {string} path e.g. "ws/kds" (relative to the page's directory)
 * @param {Record<string, string | undefined>} params
 */
export function socketUrl(pageHref, path, params) {
  const url = new URL(path, pageHref);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  return url.toString();
}
