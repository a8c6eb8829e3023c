/**
 * One connected WebSocket client. Sends never wait: a client whose unsent
 * bytes pass the limit is closed (4008) instead of slowing anyone else, and
 * it resumes with its last event id. While the session catches up (replay or
 * snapshot), live events are held and sent after, in order. Between cork()
 * and uncork() its frames gather and leave in one socket write: on this kind
 * of machine the write's system call, not the frame, is what a delivery costs.
 */
import { compareStreamIds } from "../../adapters/redis/event_stream.ts";
import { type ClientFilter, wants } from "./client_filter.ts";
import type { LiveEvent } from "./live_event.ts";

export const CLOSE_TOO_SLOW = 4008;
/** The token the socket was opened (or last renewed) with has expired: renew it and reconnect. */
export const CLOSE_TOKEN_EXPIRED = 4001;

/** What a session needs of its WebSocket (the `ws` package's, or a test's). */
export interface PushSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** Sends a text message: `text`, or `binary: false` with its UTF-8 bytes. */
  send(text: string | Uint8Array, options: { binary: boolean }): void;
  close(code?: number, reason?: string): void;
}

/** The byte stream under a socket, whose writes can be gathered into one (node:stream's cork). */
export interface WriteGathering {
  cork(): void;
  uncork(): void;
}
const MAX_HELD_EVENTS = 10_000;
const TEXT_FRAME = { binary: false };

export class ClientSession {
  #held: LiveEvent[] | undefined = [];
  #closed = false;
  #corked = false;

  #expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: PushSocket,
    readonly filter: ClientFilter,
    private readonly maxBufferedBytes: number,
    private readonly transport?: WriteGathering,
  ) {}

  get catchingUp(): boolean {
    return this.#held !== undefined;
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === 1; // OPEN
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
    return this.send(event.envelope(this.filter.view));
  }

  /** An event replayed to a resuming client: sent at once, in stream order, if the client wants it. */
  deliverReplayed(event: LiveEvent): void {
    if (!this.#closed && wants(this.filter, event)) this.send(event.envelope(this.filter.view));
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
      if (compareStreamIds(event.id, sentUpTo) > 0) this.send(event.envelope(this.filter.view));
    }
  }

  /**
   * Sends a text message now (replay, snapshot, pong): a string, or its UTF-8 bytes.
   * False when the client is gone or was cut off.
   */
  send(text: string | Uint8Array): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(CLOSE_TOO_SLOW, "too slow");
      return false;
    }
    this.socket.send(text, TEXT_FRAME);
    return true;
  }

  /** Holds what is sent from now on until uncork(), to write it out at once. */
  cork(): void {
    if (this.#corked || this.#closed || !this.transport) return;
    this.#corked = true;
    this.transport.cork();
  }

  /** Writes out what was sent since cork() (a close frame among it too). */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    try {
      this.transport!.uncork();
    } catch {
      // the connection is gone; its close event ends the session
    }
  }

  /** Closes the socket (4001) `inMs` from now, replacing any earlier deadline. */
  expireIn(inMs: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(
      () => this.close(CLOSE_TOKEN_EXPIRED, "token expired"),
      Math.max(0, Math.min(inMs, 2 ** 31 - 1)),
    );
  }

  close(code: number, reason: string): void {
    clearTimeout(this.#expiry);
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
