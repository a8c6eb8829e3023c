/** A WebSocket client for tests that records every message it receives, with arrival times. */
import { waitFor } from "./wait.ts";

export interface Received {
  readonly at: number;
  readonly message: {
    type: string;
    eventId?: string;
    order?: { id: string; status: string; visibleAt: string };
    [k: string]: unknown;
  };
}

export class TestSocket {
  readonly received: Received[] = [];
  readonly socket: WebSocket;
  closeCode: number | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  /** `token`: a hub bearer token, carried as the subprotocol "bearer.<token>" as browsers must. */
  constructor(url: string, token?: string) {
    this.socket = new WebSocket(url, token ? ["ovenline", `bearer.${token}`] : ["ovenline"]);
    this.opened = new Promise((resolve, reject) => {
      this.socket.addEventListener("open", () => resolve(), { once: true });
      this.socket.addEventListener("error", () => reject(new Error(`could not open ${url}`)), {
        once: true,
      });
    });
    this.closed = new Promise((resolve) =>
      this.socket.addEventListener("close", (e) => {
        this.closeCode = e.code;
        resolve();
      }, { once: true })
    );
    this.socket.addEventListener("message", (e) => {
      this.received.push({ at: Date.now(), message: JSON.parse(String(e.data)) });
    });
  }

  static async open(url: string, token?: string): Promise<TestSocket> {
    const s = new TestSocket(url, token);
    await s.opened;
    return s;
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => r.message.type === type);
  }

  /** Event ids of everything received except snapshots, in order. */
  eventIds(): string[] {
    return this.received.filter((r) => r.message.type !== "snapshot").map((r) =>
      r.message.eventId!
    );
  }

  lastEventId(): string | undefined {
    return this.received.at(-1)?.message.eventId;
  }

  waitFor(what: string, predicate: (r: Received) => boolean, timeoutMs = 5_000): Promise<Received> {
    return waitFor(what, () => this.received.find(predicate), timeoutMs, 10);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
  }
}

/**
 * A client that completes the WebSocket handshake and then never reads: the
 * tablet that froze. Its unread bytes pile up on the hub.
 */
export class StalledSocket {
  private constructor(private readonly conn: Deno.TcpConn) {}

  static async open(host: string, port: number, path: string, token = ""): Promise<StalledSocket> {
    const conn = await Deno.connect({ hostname: host, port });
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await conn.write(new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ovenline\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    ));
    return new StalledSocket(conn);
  }

  /** Reads everything now: returns the close code the hub sent, if it closed the socket. */
  async drainForCloseCode(timeoutMs = 10_000): Promise<number | undefined> {
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(1 << 16);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const n = await Promise.race([
        this.conn.read(buf),
        new Promise<null>((r) => setTimeout(() => r(null), 500)),
      ]);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }
    return closeCodeIn(all);
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* gone */ }
  }
}

/** Walks unmasked server frames after the HTTP 101 answer and returns a close frame's code. */
function closeCodeIn(bytes: Uint8Array): number | undefined {
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  let i = text.indexOf("\r\n\r\n");
  if (i < 0) return undefined;
  i += 4;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let len = bytes[i + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      len = (bytes[i + 2] << 8) | bytes[i + 3];
      head = 4;
    } else if (len === 127) {
      len = Number(new DataView(bytes.buffer, bytes.byteOffset + i + 2, 8).getBigUint64(0));
      head = 10;
    }
    if (opcode === 0x8) return len >= 2 ? (bytes[i + head] << 8) | bytes[i + head + 1] : 1005;
    i += head + len;
  }
  return undefined;
}
