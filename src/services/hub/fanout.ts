/**
 * Hands every stream entry to every connected client of this hub replica
 * that wants it; entries no client wants are dropped before any work. Each
 * event's JSON is built once and shared. After Redis lost its data
 * (state.restored) every client gets a fresh snapshot; so does every client
 * when an entry cannot be delivered (it would otherwise be missing from every
 * tablet, unnoticed), and the entries after it still go out.
 */
import type { Context, Span } from "@opentelemetry/api";
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import { startBroadcastSpan, startDeliverySpan } from "../../observability/broadcast_spans.ts";
import { recordKdsLatency } from "../../observability/pipeline_metrics.ts";
import type { ClientSession } from "./client_session.ts";
import { LiveEvent } from "./live_event.ts";

const YIELD_AFTER_BYTES = 128 * 1024;

export class Fanout {
  readonly sessions = new Set<ClientSession>();

  constructor(
    /** Makes stream entries ready to send (joins each order's customer, slot details). */
    private readonly prepare: (entries: readonly StreamEntry[]) => Promise<StreamEntry[]>,
    private readonly resnapshot: (sessions: readonly ClientSession[]) => void,
    /**
     * Most WebSocket deliveries of one traced event that get a span each (about 1.6 µs of
     * CPU apiece, plus export); the rest are only counted on the broadcast span.
     */
    private readonly maxDeliverySpans = 100,
    /** Told of events that could not be delivered (every client then gets a fresh snapshot). */
    private readonly onUndeliverable: (eventIds: readonly string[], error: unknown) => void =
      () => {},
  ) {}

  add(session: ClientSession): void {
    this.sessions.add(session);
  }

  remove(session: ClientSession): void {
    this.sessions.delete(session);
  }

  /**
   * Sends a batch in order. Each client's frames of a stretch of the batch
   * leave in one socket write (corked), not one write per event. Sockets only
   * write out between event-loop turns, so after every YIELD_AFTER_BYTES it
   * yields: a burst then drains from healthy clients' buffers as it goes, and
   * only clients that really do not read pile up past their limit.
   */
  async publish(entries: readonly StreamEntry[]): Promise<void> {
    const wanted = entries.filter((entry) => this.#wanted(entry));
    if (wanted.length === 0) return;
    let prepared: StreamEntry[];
    try {
      prepared = await this.prepare(wanted);
    } catch (error) {
      this.#undeliverable(wanted, error);
      return;
    }
    let next = this.#publishStretch(prepared, 0);
    while (next < prepared.length) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      next = this.#publishStretch(prepared, next);
    }
  }

  /**
   * Whether a connected client is to be sent `entry`: only those are prepared
   * (their orders fetched and joined). A client that connects meanwhile gets
   * a snapshot taken after the entry, so it misses nothing.
   */
  #wanted(entry: StreamEntry): boolean {
    if (entry.type === "state.restored") return true;
    const event = new LiveEvent(entry);
    for (const session of this.sessions) {
      if (session.wants(event)) return true;
    }
    return false;
  }

  /** Delivers entries from `start` until YIELD_AFTER_BYTES are sent; returns where it stopped. */
  #publishStretch(entries: readonly StreamEntry[], start: number): number {
    const corked = [...this.sessions];
    for (const session of corked) session.cork();
    try {
      let bytes = 0;
      for (let i = start; i < entries.length; i++) {
        this.#publishEntry(entries[i]);
        bytes += (entries[i].order?.length ?? 0) + (entries[i].slot?.length ?? 0) + 100;
        if (bytes >= YIELD_AFTER_BYTES) return i + 1;
      }
      return entries.length;
    } finally {
      for (const session of corked) session.uncork();
    }
  }

  #publishEntry(entry: StreamEntry): void {
    if (entry.type === "state.restored") {
      this.resnapshot([...this.sessions]);
      return;
    }
    try {
      const event = new LiveEvent(entry);
      const broadcast = startBroadcastSpan(entry);
      const onKds = broadcast ? this.#deliverTraced(event, broadcast) : this.#deliver(event);
      if (onKds && event.type === "order.visible") {
        const since = event.dueOnKdsSince();
        if (since !== undefined) recordKdsLatency((Date.now() - since) / 1000, event.kitchenId);
      }
    } catch (error) {
      this.#undeliverable([entry], error);
    }
  }

  #undeliverable(entries: readonly StreamEntry[], error: unknown): void {
    this.onUndeliverable(entries.map((e) => e.id), error);
    this.resnapshot([...this.sessions]);
  }

  /** Hands the event to every session; true when a KDS socket got it. */
  #deliver(event: LiveEvent): boolean {
    let onKds = false;
    for (const session of this.sessions) {
      if (session.deliver(event) && session.filter.channel === "kds") onKds = true;
    }
    return onKds;
  }

  /** The same, with a span per socket written to (up to a limit), under the broadcast's span. */
  #deliverTraced(event: LiveEvent, broadcast: { span: Span; context: Context }): boolean {
    let onKds = false;
    let sent = 0;
    let spans = 0;
    for (const session of this.sessions) {
      let written: boolean;
      if (spans < this.maxDeliverySpans && session.wants(event)) {
        spans++;
        const span = startDeliverySpan(broadcast.context, session.filter.channel, event.type);
        written = session.deliver(event);
        span.setAttribute("ovenline.ws.written", written);
        span.end();
      } else {
        written = session.deliver(event);
      }
      if (!written) continue;
      sent++;
      if (session.filter.channel === "kds") onKds = true;
    }
    broadcast.span.setAttributes({
      "ovenline.ws.deliveries": sent,
      "ovenline.ws.delivery_spans": spans,
    });
    broadcast.span.end();
    return onKds;
  }
}
