/**
 * Hands every stream entry to every connected client of this hub replica.
 * Each event's JSON is built once and shared. After Redis lost its data
 * (state.restored) every client gets a fresh snapshot.
 */
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import type { ClientSession } from "./client_session.ts";
import { LiveEvent } from "./live_event.ts";

const YIELD_AFTER_BYTES = 128 * 1024;

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

  /**
   * Sends a batch in order. Sockets only write out between event-loop turns,
   * so after every YIELD_AFTER_BYTES it yields: a burst then drains from
   * healthy clients' buffers as it goes, and only clients that really do not
   * read pile up past their limit.
   */
  async publish(entries: readonly StreamEntry[]): Promise<void> {
    let sinceYield = 0;
    for (const entry of entries) {
      if (entry.type === "state.restored") {
        this.resnapshot([...this.sessions]);
        continue;
      }
      const event = new LiveEvent(this.enrich(entry));
      for (const session of this.sessions) session.deliver(event);
      sinceYield += (entry.order?.length ?? 0) + (entry.slot?.length ?? 0) + 100;
      if (sinceYield >= YIELD_AFTER_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  }
}
