/**
 * Serves the hub's Hono app over node:http (@hono/node-server), with its
 * WebSockets on `ws`. Why not Deno.serve and Deno.upgradeWebSocket: Deno
 * 2.8.3 reassembles a fragmented WebSocket message whole before the page's
 * code sees it, with no size limit (one client could send gigabytes in 1 MiB
 * fragments), and offers no option to set one. `ws` checks every frame's
 * declared length against `maxPayload`, counting the fragments before it,
 * and closes with 1009 before buffering the frame. Deno's node:http runs on
 * the same HTTP server as Deno.serve (its request spans and limits too).
 *
 * An upgrade request goes through the app like any request: the WebSocket
 * route checks the token and the query, and accepts with `acceptUpgrade()`;
 * whatever else the app answers (400, 401, 429) is written back as is.
 */
import type { IncomingMessage, Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { WebSocket, WebSocketServer } from "ws";
import type { WriteGathering } from "./client_session.ts";

/** An upgrade request the WebSocket route may take over (the app's `c.env.upgrade`). */
export interface PendingUpgrade {
  /** Writes the handshake; `onOpen` gets the socket. */
  accept(onOpen: (ws: WebSocket) => void): void;
  readonly accepted: boolean;
}

export interface HubServerOptions {
  readonly hostname: string;
  readonly port: number;
  /** Largest message a client may send, fragments counted together; past it: close 1009. */
  readonly maxMessageBytes: number;
  /** Subprotocols the hub speaks (the first one offered is chosen). */
  readonly subprotocols: readonly string[];
  /** Every this often each socket is pinged; one that answered nothing since the last is dropped. */
  readonly heartbeatMs: number;
  readonly onListen: (port: number) => void;
}

export interface HubServer {
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The TCP socket a `ws` WebSocket writes its frames to, for gathering several
 * frames into one write. `ws` keeps it as `_socket` and offers no public way
 * to cork it; a `ws` that stops doing so fails here, not silently.
 */
export function transportOf(ws: WebSocket): WriteGathering {
  const socket = (ws as unknown as { _socket?: Partial<WriteGathering> })._socket;
  if (typeof socket?.cork !== "function" || typeof socket.uncork !== "function") {
    throw new Error("this version of ws keeps no corkable socket in _socket");
  }
  return socket as WriteGathering;
}

/** Accepts `upgrade` as a WebSocket: `onOpen` gets the socket once the handshake is written. */
export function acceptUpgrade(upgrade: PendingUpgrade, onOpen: (ws: WebSocket) => void): Response {
  upgrade.accept(onOpen);
  // Never written: the handshake above answered the client.
  return new Response(null, { status: 204 });
}

// deno-lint-ignore no-explicit-any
export function serveHub(app: Hono<any>, options: HubServerOptions): HubServer {
  const server = createAdaptorServer({
    // @hono/node-server hands over a lightweight request (it passes instanceof Request but is not
    // one to Deno); middleware that rebuilds it (`new Request(c.req.raw, …)`, as bodyLimit does
    // for a chunked body or a preflight) needs a real one.
    fetch: (incoming, env) => {
      const request = incoming as Request;
      return app.fetch(
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
          duplex: "half",
          signal: request.signal,
        } as RequestInit),
        env,
      );
    },
    hostname: options.hostname,
    overrideGlobalObjects: false,
  }) as Server;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (offered) => options.subprotocols.find((p) => offered.has(p)) ?? false,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  const track = (ws: WebSocket) => {
    alive.set(ws, true);
    const heard = () => alive.set(ws, true);
    ws.on("pong", heard);
    ws.on("message", heard);
  };
  server.on("upgrade", async (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    const upgrade = {
      accepted: false,
      accept(onOpen: (ws: WebSocket) => void) {
        this.accepted = true;
        wss.handleUpgrade(incoming, socket, head, (ws) => {
          track(ws);
          onOpen(ws);
        });
      },
    };
    let response: Response;
    try {
      response = await app.fetch(upgradeRequest(incoming), { upgrade });
    } catch {
      response = new Response(null, { status: 500 });
    }
    if (upgrade.accepted) return;
    await writeRefusal(socket, response);
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      try {
        ws.ping();
      } catch { /* closing */ }
    }
  }, options.heartbeatMs);
  server.listen(options.port, options.hostname, () => {
    const address = server.address();
    options.onListen(typeof address === "object" && address ? address.port : options.port);
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const ws of wss.clients) ws.terminate();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function upgradeRequest(incoming: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
    try {
      headers.append(incoming.rawHeaders[i], incoming.rawHeaders[i + 1]);
    } catch { /* a header value fetch() cannot hold; the checks below never need it */ }
  }
  return new Request(`http://${headers.get("host") || "hub"}${incoming.url ?? "/"}`, { headers });
}

async function writeRefusal(socket: Duplex, response: Response): Promise<void> {
  if (socket.destroyed) return;
  const body = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  response.headers.forEach((value, key) => {
    if (key !== "content-length" && key !== "connection") lines.push(`${key}: ${value}`);
  });
  lines.push(`content-length: ${body.byteLength}`, "connection: close", "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n")), body]));
}

export { WebSocket };
