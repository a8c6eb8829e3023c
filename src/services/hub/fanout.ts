/**
 * Hands every stream entry to every connected client of this hub replica.
 * Each event's JSON is built once and shared. After Redis lost its data
 * (state.restored) every client gets a fresh snapshot.
 */
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import type { ClientSession } from "./client_session.ts";
import { LiveEvent } from "./live_event.ts";

export class Fanout {
  readonly sessions = new Set<ClientSession>();

  constructor(
    private readonly enrich: (entry: StreamEntry) => StreamEntry,
    private readonly resnapshot: (sessions: readonly ClientSession[]) => void,
  ) {}

  add(session: ClientSession): void {
    this.sessions.add(session);
  }

  remove(session: ClientSession): void {
    this.sessions.delete(session);
  }

  publish(entries: readonly StreamEntry[]): void {
    for (const entry of entries) {
      if (entry.type === "state.restored") {
        this.resnapshot([...this.sessions]);
        continue;
      }
      const event = new LiveEvent(this.enrich(entry));
      for (const session of this.sessions) session.deliver(event);
    }
  }
}
