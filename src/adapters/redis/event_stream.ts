/**
 * The event stream every hub replica and order watcher reads
 * (`ovenline:events`): entries written by the consumer's and the promoter's
 * Lua scripts, in order. Entry ids are Redis stream ids ("<ms>-<seq>").
 */
import type { Redis } from "ioredis";
import { EVENT_STREAM } from "./keys.ts";

export interface StreamEntry {
  readonly id: string;
  readonly type: string;
  readonly kitchenId: string;
  readonly at: string;
  /** The order an order event is about. */
  readonly orderId?: string;
  /** Order events: when the order is due on the KDS (ms) and its items' stations. */
  readonly visibleAtMs?: number;
  readonly stations?: readonly string[];
  /** Raw JSON as written (order events). */
  readonly order?: string;
  /** Raw JSON as written (slots.updated). */
  readonly slot?: string;
  /** W3C traceparent of the span that wrote the entry (absent when it was not traced). */
  readonly traceparent?: string;
}

type RawEntry = [id: string, fields: string[]];

function entryOf([id, fields]: RawEntry): StreamEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return {
    id,
    type: f.type ?? "",
    kitchenId: f.kitchen ?? "",
    at: f.at ?? "",
    orderId: f.id,
    visibleAtMs: f.visible ? Number(f.visible) : undefined,
    stations: f.stations !== undefined
      ? (f.stations === "" ? [] : f.stations.split(","))
      : undefined,
    order: f.order && f.order !== "null" ? f.order : undefined,
    slot: f.slot,
    traceparent: f.traceparent,
  };
}

/** Orders stream ids: negative when a < b. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = "0"] = a.split("-");
  const [bm, bs = "0"] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

export function isStreamId(text: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(text);
}

export class EventStream {
  constructor(private readonly redis: Redis) {}

  /** Entries strictly after `id`, oldest first, at most `count`. */
  async after(id: string, count: number): Promise<StreamEntry[]> {
    const raw = await this.redis.xrange(EVENT_STREAM, `(${id}`, "+", "COUNT", count) as RawEntry[];
    return raw.map(entryOf);
  }

  async firstId(): Promise<string | undefined> {
    const raw = await this.redis.xrange(EVENT_STREAM, "-", "+", "COUNT", 1) as RawEntry[];
    return raw[0]?.[0];
  }

  async lastId(): Promise<string | undefined> {
    const raw = await this.redis.xrevrange(EVENT_STREAM, "+", "-", "COUNT", 1) as RawEntry[];
    return raw[0]?.[0];
  }

  /**
   * Follows the stream from `fromId` (exclusive; "$" = only new entries) and
   * hands over entries in batches until `signal` aborts. Needs a connection
   * of its own: XREAD BLOCK holds it. Survives Redis restarts. `onRound` is
   * told after every read that Redis answered, with entries or not (at least
   * once a second while the stream is followed).
   */
  async follow(
    fromId: string,
    onEntries: (entries: StreamEntry[]) => void | Promise<void>,
    signal: AbortSignal,
    onError: (error: unknown) => void = () => {},
    onRound: () => void = () => {},
  ): Promise<void> {
    let last = fromId;
    if (last === "$") last = (await this.lastId().catch(() => undefined)) ?? "0-0";
    while (!signal.aborted) {
      try {
        const reply = await this.redis.xread(
          "COUNT",
          1000,
          "BLOCK",
          1000,
          "STREAMS",
          EVENT_STREAM,
          last,
        ) as
          | [string, RawEntry[]][]
          | null;
        const entries = reply ? reply[0][1].map(entryOf) : [];
        if (entries.length > 0) {
          last = entries[entries.length - 1].id;
          await onEntries(entries);
        }
        onRound();
      } catch (error) {
        if (signal.aborted) return;
        onError(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
