/**
 * A kitchen tablet that never gives up: it reconnects with its last event id
 * whenever the hub goes away, and remembers every order it was shown.
 */
export class ResumingKds {
  readonly seen = new Set<string>();
  reconnects = 0;
  #lastEventId: string | undefined;
  #socket: WebSocket | undefined;
  #stopped = false;

  constructor(
    private readonly url: () => string,
    private readonly protocols: string[] = ["ovenline"],
  ) {}

  start(): void {
    this.#connect();
  }

  #connect(): void {
    if (this.#stopped) return;
    const query = this.#lastEventId ? `&lastEventId=${this.#lastEventId}` : "";
    const socket = new WebSocket(`${this.url()}${query}`, this.protocols);
    this.#socket = socket;
    socket.onmessage = (e) => {
      const m = JSON.parse(String(e.data));
      if (m.eventId) this.#lastEventId = m.eventId;
      if (m.type === "snapshot") { for (const o of m.orders ?? []) this.seen.add(o.id); }
      else if (m.order?.id) this.seen.add(m.order.id);
    };
    socket.onclose = () => {
      if (this.#stopped) return;
      this.reconnects++;
      setTimeout(() => this.#connect(), 300);
    };
    socket.onerror = () => {};
  }

  stop(): void {
    this.#stopped = true;
    try {
      this.#socket?.close();
    } catch { /* gone */ }
  }
}
