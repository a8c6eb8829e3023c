/**
 * Fanout against stand-ins of its sessions (only deliver/wants/filter are used): an entry that
 * cannot be delivered costs neither the entries after it nor the tablets their state.
 */
import assert from "node:assert/strict";
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import type { ClientSession } from "./client_session.ts";
import { Fanout } from "./fanout.ts";
import type { LiveEvent } from "./live_event.ts";

function session(received: string[]): ClientSession {
  return {
    filter: { channel: "erp", kitchenId: "main" },
    wants: () => true,
    deliver: (event: LiveEvent) => {
      received.push(event.id);
      return true;
    },
  } as unknown as ClientSession;
}

const entry = (id: string, slot?: string): StreamEntry => ({
  id,
  type: slot ? "slots.updated" : "order.status_changed",
  kitchenId: "main",
  at: "2026-03-01T12:00:00.000Z",
  slot,
});

Deno.test("an entry that cannot be delivered: logged, every client resnapshotted, the rest delivered", async () => {
  const received: string[] = [];
  const resnapshotted: number[] = [];
  const undeliverable: string[] = [];
  const fanout = new Fanout(
    (e) => (e.slot ? { ...e, slot: JSON.stringify(JSON.parse(e.slot)) } : e),
    (sessions) => resnapshotted.push(sessions.length),
    100,
    (e, error) => undeliverable.push(`${e.id}: ${(error as Error).name}`),
  );
  fanout.add(session(received));
  fanout.add(session(received));
  await fanout.publish([entry("1-0"), entry("2-0", "{not json"), entry("3-0")]);
  assert.deepEqual(received, ["1-0", "1-0", "3-0", "3-0"]);
  assert.deepEqual(undeliverable, ["2-0: SyntaxError"]);
  assert.deepEqual(resnapshotted, [2], "both clients get the current state afresh");
});
