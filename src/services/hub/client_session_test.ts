/**
 * ClientSession on a real `ws` connection over loopback: what a corked stretch
 * of sends puts on the wire, and that event bytes arrive as text messages.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { ClientSession } from "./client_session.ts";
import { transportOf } from "./http_server.ts";

interface Counted {
  writes: number;
}

/** A server-side session and a client on loopback; the session's socket counts its writes. */
async function connected(): Promise<{
  session: ClientSession;
  counted: Counted;
  received: { text: string; binary: boolean }[];
  close: () => Promise<void>;
}> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as AddressInfo;
  const serverSide = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: { text: string; binary: boolean }[] = [];
  client.on("message", (data, binary) => received.push({ text: data.toString(), binary }));
  await new Promise((resolve) => client.once("open", resolve));
  const ws = await serverSide;
  const transport = transportOf(ws);
  // Every write the stream hands to the socket, one frame or several gathered.
  const counted = { writes: 0 };
  const stream = transport as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ["_write", "_writev"]) {
    const original = stream[method].bind(stream);
    stream[method] = (...args: unknown[]) => {
      counted.writes++;
      return original(...args);
    };
  }
  const session = new ClientSession(
    ws,
    { channel: "erp", kitchenId: "main", view: "staff" },
    1 << 20,
    transport,
  );
  session.goLive("0-0");
  return {
    session,
    counted,
    received,
    close: async () => {
      client.close();
      await new Promise((resolve) => client.once("close", resolve));
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), "timed out waiting");
}

Deno.test("corked, twenty messages leave in one socket write and arrive in order", async () => {
  const { session, counted, received, close } = await connected();
  try {
    session.cork();
    for (let i = 0; i < 20; i++) session.send(`{"n":${i}}`);
    assert.equal(counted.writes, 0, "nothing written while corked");
    session.uncork();
    assert.equal(counted.writes, 1);
    await until(() => received.length === 20);
    assert.deepEqual(received.map((m) => JSON.parse(m.text).n), [...Array(20).keys()]);
  } finally {
    await close();
  }
});

Deno.test("uncorked, each message is a write of its own", async () => {
  const { session, counted, received, close } = await connected();
  try {
    for (let i = 0; i < 3; i++) session.send(`{"n":${i}}`);
    assert.equal(counted.writes, 3);
    await until(() => received.length === 3);
  } finally {
    await close();
  }
});

Deno.test("an event's UTF-8 bytes arrive as a text message, not a binary one", async () => {
  const { session, received, close } = await connected();
  try {
    session.send(new TextEncoder().encode(`{"name":"Piñata 🍕"}`));
    await until(() => received.length === 1);
    assert.deepEqual(received, [{ text: `{"name":"Piñata 🍕"}`, binary: false }]);
  } finally {
    await close();
  }
});
