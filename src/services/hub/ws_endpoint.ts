/**
 * /ws/kds and /ws/erp: validates the query before the upgrade (a bad one is
 * answered 400), then starts the client from a replay of what it missed or a
 * snapshot, and keeps it live.
 */
import {
  compareStreamIds,
  type EventStream,
  isStreamId,
} from "../../adapters/redis/event_stream.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Channel, ClientFilter } from "./client_filter.ts";
import { ClientSession } from "./client_session.ts";
import type { Fanout } from "./fanout.ts";
import { LiveEvent } from "./live_event.ts";
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import { buildSnapshot, type SnapshotDeps } from "./snapshots.ts";

export const SUBPROTOCOL = "ovenline";
/** Largest message a client may send (only pings are expected); a larger one is answered with an error. */
const MAX_CLIENT_MESSAGE = 1024;
/**
 * A message this large is abuse, not a mistake: the socket is closed with 1009 ("message too big").
 * Deno 2.8.3 offers no inbound limit of its own below 64 MiB per frame (a larger frame drops the
 * connection without a close frame), and it reassembles fragmented messages without any limit, so
 * the check can only come after Deno has buffered the message; closing stops a client repeating it.
 */
export const MAX_CLIENT_MESSAGE_HARD = 64 * 1024;
export const CLOSE_MESSAGE_TOO_BIG = 1009;

export interface WsDeps extends SnapshotDeps {
  readonly stream: EventStream;
  readonly fanout: Fanout;
  readonly enrich: (entry: StreamEntry) => StreamEntry;
  readonly defaultKitchenId: string;
  readonly maxBufferedBytes: number;
  readonly maxReplay: number;
  readonly logger: Logger;
}

export type QueryCheck =
  | { readonly ok: true; readonly filter: ClientFilter; readonly lastEventId?: string }
  | { readonly ok: false; readonly field: string; readonly reason: string };

export function checkQuery(
  channel: Channel,
  params: URLSearchParams,
  defaultKitchenId: string,
  kitchen: (id: string) => KitchenConfig | undefined,
): QueryCheck {
  const kitchenId = params.get("kitchen") || defaultKitchenId;
  const config = kitchen(kitchenId);
  if (!config) {
    return { ok: false, field: "kitchen", reason: `unknown kitchen "${kitchenId.slice(0, 64)}"` };
  }
  const stationParam = params.get("station") ?? "";
  const station = stationParam === "" || stationParam === "all" ? undefined : stationParam;
  if (station !== undefined && (channel !== "kds" || !config.stations.includes(station))) {
    return {
      ok: false,
      field: "station",
      reason: channel === "kds"
        ? `unknown station "${station.slice(0, 64)}"; the kitchen has ${config.stations.join(", ")}`
        : "only the KDS filters by station",
    };
  }
  const lastEventId = params.get("lastEventId") ?? undefined;
  if (lastEventId !== undefined && lastEventId !== "" && !isStreamId(lastEventId)) {
    return {
      ok: false,
      field: "lastEventId",
      reason: "must be an event id such as 1795698000000-0",
    };
  }
  return {
    ok: true,
    filter: { channel, kitchenId, station },
    lastEventId: lastEventId || undefined,
  };
}

/** Upgrades an already-checked request and runs the session. */
export function openSocket(
  request: Request,
  filter: ClientFilter,
  lastEventId: string | undefined,
  deps: WsDeps,
): Response {
  const offered = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",").map((p) => p.trim());
  const { socket, response } = Deno.upgradeWebSocket(request, {
    protocol: offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : undefined,
    idleTimeout: 30,
  });
  const session = new ClientSession(socket, filter, deps.maxBufferedBytes);
  socket.onopen = () => {
    deps.fanout.add(session);
    startSession(session, lastEventId, deps).catch((error) => {
      deps.logger.warn("could not start a client; closing it", { error });
      session.close(1011, "could not load the current state");
    });
  };
  socket.onmessage = (message) => onClientMessage(session, message.data, deps.now);
  socket.onclose = () => deps.fanout.remove(session);
  socket.onerror = () => deps.fanout.remove(session);
  return response;
}

/** Replays what a resuming client missed, or sends a snapshot; then live events follow. */
export async function startSession(
  session: ClientSession,
  lastEventId: string | undefined,
  deps: WsDeps,
): Promise<void> {
  session.holdLiveEvents();
  if (lastEventId !== undefined) {
    const missed = await missedSince(lastEventId, deps);
    if (missed) {
      for (const event of missed) session.deliverReplayed(event);
      session.goLive(missed.at(-1)?.id ?? lastEventId);
      return;
    }
  }
  const snapshot = await buildSnapshot(deps, session.filter);
  session.send(snapshot.text);
  session.goLive(snapshot.eventId);
}

/** The events after `lastEventId`, or undefined when they cannot all be replayed. */
async function missedSince(lastEventId: string, deps: WsDeps): Promise<LiveEvent[] | undefined> {
  const [first, last] = await Promise.all([deps.stream.firstId(), deps.stream.lastId()]);
  // Older than the stream's head: trimmed away, or Redis lost its data since.
  if (!first || !last || compareStreamIds(lastEventId, first) < 0) return undefined;
  if (compareStreamIds(lastEventId, last) > 0) return undefined; // from another Redis lifetime
  const entries = await deps.stream.after(lastEventId, deps.maxReplay + 1);
  if (entries.length > deps.maxReplay || entries.some((e) => e.type === "state.restored")) {
    return undefined;
  }
  return entries.map((e) => new LiveEvent(deps.enrich(e)));
}

/** Size of a received message: text length (UTF-16 units, at least its code points) or bytes. */
function messageSize(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

function onClientMessage(session: ClientSession, data: unknown, now: () => Date): void {
  if (messageSize(data) > MAX_CLIENT_MESSAGE_HARD) {
    session.close(CLOSE_MESSAGE_TOO_BIG, "message too big");
    return;
  }
  if (typeof data !== "string" || data.length > MAX_CLIENT_MESSAGE) {
    session.send(errorMessage("messages must be JSON text of at most 1 KiB"));
    return;
  }
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    session.send(errorMessage("message is not valid JSON"));
    return;
  }
  const type = (message as { type?: unknown })?.type;
  if (type === "ping") {
    // The hub's clock (the one that stamps events), which tablets correct their own by.
    session.send(JSON.stringify({ type: "pong", at: now().toISOString() }));
  } else {
    session.send(
      errorMessage(
        `unknown message type ${
          JSON.stringify(type ?? null)?.slice(0, 40)
        }; only "ping" is accepted`,
      ),
    );
  }
}

function errorMessage(message: string): string {
  return JSON.stringify({ type: "error", message });
}
