/**
 * HTTP/1.1 and WebSocket as bytes on a TCP connection, for requests a fetch()
 * or WebSocket client refuses to make: request lines and headers past the
 * server's limits, WebSocket upgrades whose answer is not 101, frames of any
 * size, fragmented messages.
 */

export interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Reads until `done(bytes)` or the peer closes or `timeoutMs` passes. */
async function readUntil(
  conn: Deno.Conn,
  start: Uint8Array,
  done: (bytes: Uint8Array) => boolean,
  timeoutMs: number,
): Promise<{ bytes: Uint8Array; closed: boolean }> {
  const chunks = [start];
  const deadline = Date.now() + timeoutMs;
  const buf = new Uint8Array(64 * 1024);
  while (!done(concat(chunks))) {
    const left = deadline - Date.now();
    if (left <= 0) return { bytes: concat(chunks), closed: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
    ]);
    clearTimeout(timer);
    if (n === "timeout") return { bytes: concat(chunks), closed: false };
    if (n === null) return { bytes: concat(chunks), closed: true };
    chunks.push(buf.slice(0, n));
  }
  return { bytes: concat(chunks), closed: false };
}

function parseHead(bytes: Uint8Array): { status: number; head: string; rest: Uint8Array } {
  const end = indexOfHeadEnd(bytes);
  if (end < 0) return { status: 0, head: decoder.decode(bytes), rest: new Uint8Array() };
  const head = decoder.decode(bytes.subarray(0, end));
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, rest: bytes.subarray(end + 4) };
}

function contentLength(head: string): number | undefined {
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return m ? Number(m[1]) : undefined;
}

/** Sends `request` (a complete HTTP/1.1 request) and reads the answer; the connection is closed after. */
export async function rawHttp(
  port: number,
  request: string,
  timeoutMs = 5_000,
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(conn, encoder.encode(request)).catch(() => {});
    const { bytes } = await readUntil(conn, new Uint8Array(), (b) => {
      const end = indexOfHeadEnd(b);
      if (end < 0) return false;
      const length = contentLength(decoder.decode(b.subarray(0, end)));
      return length !== undefined && b.length >= end + 4 + length;
    }, timeoutMs);
    const { status, head, rest } = parseHead(bytes);
    return { status, head, body: decoder.decode(rest) };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the peer */ }
  }
}

/** A WebSocket client without a WebSocket library: the upgrade and every frame are written by hand. */
export class RawWebSocket {
  private constructor(private readonly conn: Deno.Conn, private pending: Uint8Array) {}

  /** Sends the upgrade request; a socket only when the answer is 101. */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ answer: RawAnswer; socket?: RawWebSocket }> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await writeAll(
      conn,
      encoder.encode(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      ),
    );
    const { bytes } = await readUntil(conn, new Uint8Array(), (b) => {
      const end = indexOfHeadEnd(b);
      if (end < 0) return false;
      const head = decoder.decode(b.subarray(0, end));
      if (head.startsWith("HTTP/1.1 101")) return true;
      const length = contentLength(head);
      return length !== undefined && b.length >= end + 4 + length;
    }, 5_000);
    const { status, head, rest } = parseHead(bytes);
    if (status !== 101) {
      conn.close();
      return { answer: { status, head, body: decoder.decode(rest) } };
    }
    return { answer: { status, head, body: "" }, socket: new RawWebSocket(conn, rest) };
  }

  /** One client frame (masked with a zero key, which leaves the payload as is). */
  async sendFrame(opcode: number, fin: boolean, payload: Uint8Array): Promise<void> {
    const len = payload.length;
    const head = [(fin ? 0x80 : 0) | opcode];
    if (len < 126) head.push(0x80 | len);
    else if (len < 65536) head.push(0x80 | 126, len >> 8, len & 255);
    else {
      head.push(0x80 | 127, 0, 0, 0, 0, (len >>> 24) & 255, (len >> 16) & 255, (len >> 8) & 255);
      head.push(len & 255);
    }
    head.push(0, 0, 0, 0);
    await writeAll(this.conn, new Uint8Array(head));
    await writeAll(this.conn, payload);
  }

  /** A message sent as `parts` fragments of `partBytes` each (text, all 'a'). */
  async sendFragmented(parts: number, partBytes: number): Promise<void> {
    const chunk = new Uint8Array(partBytes).fill(0x61);
    for (let i = 0; i < parts; i++) await this.sendFrame(i === 0 ? 1 : 0, i === parts - 1, chunk);
  }

  /**
   * Reads server frames until a close frame or the end of the connection: the text messages
   * seen, the close code (undefined when the connection ended without a close frame).
   */
  async readUntilClosed(timeoutMs = 10_000): Promise<
    { texts: string[]; closeCode?: number; closeReason?: string; ended: boolean }
  > {
    const texts: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.#nextFrame(deadline - Date.now());
      if (frame === "ended") return { texts, ended: true };
      if (frame === "timeout") return { texts, ended: false };
      if (frame.opcode === 0x1) texts.push(decoder.decode(frame.payload));
      if (frame.opcode === 0x8) {
        const p = frame.payload;
        return {
          texts,
          closeCode: p.length >= 2 ? (p[0] << 8) | p[1] : 1005,
          closeReason: decoder.decode(p.subarray(2)),
          ended: false,
        };
      }
    }
  }

  async #nextFrame(
    timeoutMs: number,
  ): Promise<{ opcode: number; payload: Uint8Array } | "ended" | "timeout"> {
    const complete = (b: Uint8Array) => frameLength(b) !== undefined && b.length >= frameLength(b)!;
    if (!complete(this.pending)) {
      const { bytes, closed } = await readUntil(this.conn, this.pending, complete, timeoutMs);
      this.pending = bytes;
      if (!complete(bytes)) return closed ? "ended" : "timeout";
    }
    const total = frameLength(this.pending)!;
    const b = this.pending;
    let len = b[1] & 0x7f;
    let offset = 2;
    if (len === 126) {
      len = (b[2] << 8) | b[3];
      offset = 4;
    } else if (len === 127) {
      len = Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
      offset = 10;
    }
    const frame = { opcode: b[0] & 0x0f, payload: b.slice(offset, offset + len) };
    this.pending = b.slice(total);
    return frame;
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed by the peer */ }
  }
}

/** Total length of the (unmasked, server) frame at the start of `b`, once its header is in. */
function frameLength(b: Uint8Array): number | undefined {
  if (b.length < 2) return undefined;
  const len = b[1] & 0x7f;
  if (len < 126) return 2 + len;
  if (len === 126) return b.length < 4 ? undefined : 4 + ((b[2] << 8) | b[3]);
  if (b.length < 10) return undefined;
  return 10 + Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
}
