import assert from "node:assert/strict";
import { connect } from "node:http2";
import { startGrpcServer } from "./server.ts";

const LIMITS = {
  maxConcurrentStreams: 5,
  maxConnectionAgeMs: 1_500,
  maxConnectionAgeGraceMs: 500,
  maxConnectionIdleMs: 700,
};

/** The events of one HTTP/2 client session, in the order they happened. */
function observed(port: number) {
  const events: string[] = [];
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("remoteSettings", (s) => events.push(`settings ${s.maxConcurrentStreams}`));
  session.on("goaway", () => events.push("goaway"));
  session.on("error", () => {});
  const closed = new Promise<void>((resolve) =>
    session.on("close", () => {
      events.push("close");
      resolve();
    })
  );
  return { session, events, closed };
}

Deno.test("the gRPC server limits its connections: concurrent streams, idle time, age", async (t) => {
  const server = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    maxReceiveBytes: 64 * 1024,
    connections: LIMITS,
  }, []);
  try {
    await t.step(
      "it announces the most concurrent streams, and closes an idle connection",
      async () => {
        const idle = observed(server.port);
        await idle.closed;
        assert.deepEqual(idle.events, ["settings 5", "goaway", "close"]);
      },
    );

    await t.step(
      "a busy connection is told to go at its age, and cut after the grace",
      async () => {
        const busy = observed(server.port);
        // A health Watch stream stays open until the server ends it.
        const stream = busy.session.request({
          ":method": "POST",
          ":path": "/grpc.health.v1.Health/Watch",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("error", () => {});
        stream.end(new Uint8Array([0, 0, 0, 0, 0]));
        const streamClosed = new Promise<void>((resolve) =>
          stream.on("close", () => {
            busy.events.push("stream closed");
            resolve();
          })
        );
        await streamClosed;
        await busy.closed;
        // Not idle (a stream was open): the GOAWAY is the age limit's, the cut is after its grace.
        const goaway = busy.events.indexOf("goaway");
        assert.ok(goaway > 0, busy.events.join(", "));
        assert.ok(goaway < busy.events.indexOf("stream closed"), busy.events.join(", "));
      },
    );
  } finally {
    await server.shutdown(100);
  }
});
