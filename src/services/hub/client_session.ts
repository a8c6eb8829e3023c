/**
 * One connected WebSocket client. Sends never wait: a client whose unsent
 * bytes pass the limit is closed (4008) instead of slowing anyone else, and
 * it resumes with its last event id. While the session catches up (replay or
 * snapshot), live events are held and sent after, in order.
 */
import { compareStreamIds } from "../../adapters/redis/event_stream.ts";
import { type ClientFilter, wants } from "./client_filter.ts";
import type { LiveEvent } from "./live_event.ts";

export const CLOSE_TOO_SLOW = 4008;
const MAX_HELD_EVENTS = 10_000;

export class ClientSession {
  #held: LiveEvent[] | undefined = [];
  #closed = false;

  constructor(
    readonly socket: WebSocket,
    readonly filter: ClientFilter,
    private readonly maxBufferedBytes: number,
  ) {}

  get catchingUp(): boolean {
    return this.#held !== undefined;
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === WebSocket.OPEN;
  }

  /** Whether this client is to be sent `event` (its filter, and still connected). */
  wants(event: LiveEvent): boolean {
    return !this.#closed && wants(this.filter, event);
  }

  /** A live event from the stream; true when it was written to the socket now (not held). */
  deliver(event: LiveEvent): boolean {
    if (this.#closed || !wants(this.filter, event)) return false;
    if (this.#held) {
      if (this.#held.length >= MAX_HELD_EVENTS) this.close(CLOSE_TOO_SLOW, "too slow");
      else this.#held.push(event);
      return false;
    }
    return this.send(event.envelope());
  }

  /** An event replayed to a resuming client: sent at once, in stream order, if the client wants it. */
  deliverReplayed(event: LiveEvent): void {
    if (!this.#closed && wants(this.filter, event)) this.send(event.envelope());
  }

  /** Starts holding live events (before a snapshot or replay is built). */
  holdLiveEvents(): void {
    this.#held ??= [];
  }

  /** Sends the events held since `holdLiveEvents()` that come after `sentUpTo`, then goes live. */
  goLive(sentUpTo: string): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) {
      if (compareStreamIds(event.id, sentUpTo) > 0) this.send(event.envelope());
    }
  }

  /** Sends now (replay, snapshot, pong); false when the client is gone or was cut off. */
  send(text: string): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(CLOSE_TOO_SLOW, "too slow");
      return false;
    }
    this.socket.send(text);
    return true;
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held = undefined;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
  }
}
