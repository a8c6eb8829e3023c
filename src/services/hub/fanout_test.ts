/**
 * Fanout against stand-ins of its sessions (only deliver/wants/filter are used): events that
 * cannot be delivered cost neither the events after them nor the tablets their state.
 */
import assert from "node:assert/strict";
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import type { ClientSession } from "./client_session.ts";
import { Fanout } from "./fanout.ts";
import type { LiveEvent } from "./live_event.ts";

/** A stand-in session; `received` gets event ids, and "cork"/"uncork" when it is (un)corked. */
function session(received: string[], failOn?: string): ClientSession {
  return {
    filter: { channel: "erp", kitchenId: "main" },
    wants: () => true,
    deliver: (event: LiveEvent) => {
      if (event.id === failOn) throw new Error(`cannot send ${event.id}`);
      received.push(event.id);
      return true;
    },
    cork: () => received.push("cork"),
    uncork: () => received.push("uncork"),
  } as unknown as ClientSession;
}

const deliveredOnly = (log: string[]) => log.filter((x) => x !== "cork" && x !== "uncork");

const entry = (id: string): StreamEntry => ({
  id,
  type: "order.status_changed",
  kitchenId: "main",
  at: "2026-03-01T12:00:00.000Z",
});

function setup(prepare = (e: readonly StreamEntry[]) => Promise.resolve([...e])) {
  const resnapshotted: number[] = [];
  const undeliverable: string[] = [];
  const fanout = new Fanout(
    prepare,
    (sessions) => resnapshotted.push(sessions.length),
    100,
    (ids, error) => undeliverable.push(`${ids.join(",")}: ${(error as Error).message}`),
  );
  return { fanout, resnapshotted, undeliverable };
}

Deno.test("an event that cannot be delivered: reported, every client resnapshotted, the rest delivered", async () => {
  const { fanout, resnapshotted, undeliverable } = setup();
  const received: string[] = [];
  fanout.add(session(received, "2-0"));
  fanout.add(session(received));
  await fanout.publish([entry("1-0"), entry("2-0"), entry("3-0")]);
  assert.deepEqual(deliveredOnly(received), ["1-0", "1-0", "3-0", "3-0"]);
  assert.deepEqual(undeliverable, ["2-0: cannot send 2-0"]);
  assert.deepEqual(resnapshotted, [2], "both clients get the current state afresh");
});

Deno.test("a batch that cannot be prepared: reported, every client resnapshotted", async () => {
  const { fanout, resnapshotted, undeliverable } = setup(() =>
    Promise.reject(new Error("PostgreSQL: connection refused"))
  );
  const received: string[] = [];
  fanout.add(session(received));
  await fanout.publish([entry("1-0"), entry("2-0")]);
  assert.deepEqual(received, [], "not even corked");
  assert.deepEqual(undeliverable, ["1-0,2-0: PostgreSQL: connection refused"]);
  assert.deepEqual(resnapshotted, [1]);
});

Deno.test("a batch goes to each client in one corked write", async () => {
  const { fanout } = setup();
  const first: string[] = [];
  const second: string[] = [];
  fanout.add(session(first));
  fanout.add(session(second));
  await fanout.publish([entry("1-0"), entry("2-0"), entry("3-0")]);
  for (const log of [first, second]) {
    assert.deepEqual(log, ["cork", "1-0", "2-0", "3-0", "uncork"]);
  }
});

Deno.test("a long batch is written out (uncorked) before each yield, so healthy clients drain", async () => {
  const { fanout } = setup();
  const log: string[] = [];
  fanout.add(session(log));
  // Two of these pass the 128 KiB the fan-out writes between yields.
  const big = (id: string) => ({ ...entry(id), order: "x".repeat(70 * 1024) });
  await fanout.publish([big("1-0"), big("2-0"), big("3-0"), big("4-0"), entry("5-0")]);
  const stretches = log.join(" ").split(" uncork").map((s) => s.trim()).filter(Boolean);
  assert.deepEqual(stretches, ["cork 1-0 2-0", "cork 3-0 4-0", "cork 5-0"]);
});

Deno.test("only entries some client wants are prepared; with no client, none is", async () => {
  const prepared: string[][] = [];
  const { fanout } = setup((entries) => {
    prepared.push(entries.map((e) => e.id));
    return Promise.resolve([...entries]);
  });
  const other = { ...entry("2-0"), kitchenId: "other" };
  await fanout.publish([entry("1-0"), other]);
  assert.deepEqual(prepared, [], "no client: nothing fetched");

  const received: string[] = [];
  fanout.add(
    { ...session(received), wants: (e: LiveEvent) => e.kitchenId === "main" } as ClientSession,
  );
  const restored = { ...entry("4-0"), type: "state.restored" };
  await fanout.publish([entry("1-0"), other, entry("3-0"), restored]);
  assert.deepEqual(prepared, [["1-0", "3-0", "4-0"]], "another kitchen's entry is skipped");
  assert.deepEqual(deliveredOnly(received), ["1-0", "3-0"]);
});
