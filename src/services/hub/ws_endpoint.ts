/**
 * /ws/kds and /ws/erp: after the token (app.ts), validates the query before
 * the upgrade (a bad one is answered 400), then starts the client from a
 * replay of what it missed or a snapshot, and keeps it live until its token
 * expires (4001) unless the page renews it on the socket.
 */
import {
  compareStreamIds,
  type EventStream,
  isStreamId,
} from "../../adapters/redis/event_stream.ts";
import {
  type Principal,
  type TokenAuthority,
  TokenError,
  verifyToken,
} from "../../adapters/http/bearer_tokens.ts";
import type { KitchenConfig } from "../../domain/kitchen.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Channel, ClientFilter } from "./client_filter.ts";
import { ClientSession } from "./client_session.ts";
import { acceptUpgrade, type PendingUpgrade, transportOf } from "./http_server.ts";
import type { OrderView } from "../../domain/personal_data.ts";
import type { RawData } from "ws";
import type { Fanout } from "./fanout.ts";
import { LiveEvent } from "./live_event.ts";
import type { StreamEntry } from "../../adapters/redis/event_stream.ts";
import { buildSnapshot, type SnapshotDeps } from "./snapshots.ts";

export const SUBPROTOCOL = "ovenline";
/** Largest message a client may send (pings and token renewals); a larger one is answered with an error. */
const MAX_CLIENT_MESSAGE = 1024;
/**
 * A message this large is abuse, not a mistake: the socket is closed with 1009 ("message too
 * big") as soon as a frame would take the message past it, before the frame is buffered
 * (`ws`'s maxPayload; see http_server.ts).
 */
export const MAX_CLIENT_MESSAGE_HARD = 64 * 1024;
export const CLOSE_MESSAGE_TOO_BIG = 1009;

export interface WsDeps extends SnapshotDeps {
  readonly stream: EventStream;
  readonly fanout: Fanout;
  readonly prepare: (entries: readonly StreamEntry[]) => Promise<StreamEntry[]>;
  readonly defaultKitchenId: string;
  readonly maxBufferedBytes: number;
  readonly maxReplay: number;
  readonly authority: TokenAuthority;
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
  view: OrderView,
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
    filter: { channel, kitchenId, station, view },
    lastEventId: lastEventId || undefined,
  };
}

/** Upgrades an already-checked request and runs the session until the token expires. */
export function openSocket(
  upgrade: PendingUpgrade,
  filter: ClientFilter,
  lastEventId: string | undefined,
  principal: Principal,
  deps: WsDeps,
  onClosed: () => void,
): Response {
  return acceptUpgrade(upgrade, (socket) => {
    const session = new ClientSession(socket, filter, deps.maxBufferedBytes, transportOf(socket));
    const client: SocketClient = { session, principal };
    session.expireIn(expiresInMs(principal, deps));
    deps.fanout.add(session);
    let closed = false;
    const gone = () => {
      if (closed) return;
      closed = true;
      deps.fanout.remove(session);
      session.close(1000, "");
      onClosed();
    };
    socket.on("message", (data, isBinary) => onClientMessage(client, data, isBinary, deps));
    socket.on("close", gone);
    socket.on("error", gone); // a message past MAX_CLIENT_MESSAGE_HARD: ws has closed it with 1009
    startSession(session, lastEventId, deps).catch((error) => {
      deps.logger.warn("could not start a client; closing it", { error });
      session.close(1011, "could not load the current state");
    });
  });
}

interface SocketClient {
  readonly session: ClientSession;
  principal: Principal;
}

function expiresInMs(principal: Principal, deps: WsDeps): number {
  return principal.expiresAt.getTime() + deps.authority.clockSkewS * 1000 - deps.now().getTime();
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
  return (await deps.prepare(entries)).map((e) => new LiveEvent(e));
}

function onClientMessage(
  client: SocketClient,
  raw: RawData,
  isBinary: boolean,
  deps: WsDeps,
): void {
  const { session } = client;
  const data = isBinary ? undefined : raw.toString();
  if (data === undefined || data.length > MAX_CLIENT_MESSAGE) {
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
    session.send(JSON.stringify({ type: "pong", at: deps.now().toISOString() }));
  } else if (type === "auth") {
    renew(client, (message as { token?: unknown }).token, deps);
  } else {
    session.send(
      errorMessage(
        `unknown message type ${
          JSON.stringify(type ?? null)?.slice(0, 40)
        }; only "ping" and "auth" are accepted`,
      ),
    );
  }
}

/**
 * `{"type":"auth","token":…}`: a renewed token of the same session moves the socket's
 * deadline; anything else is refused and the old deadline stands.
 */
async function renew(client: SocketClient, token: unknown, deps: WsDeps): Promise<void> {
  const { session } = client;
  if (typeof token !== "string" || token === "") {
    session.send(errorMessage("auth needs the renewed token in token"));
    return;
  }
  let renewed: Principal;
  try {
    renewed = await verifyToken(token, deps.authority, deps.now());
  } catch (error) {
    session.send(
      errorMessage(`token refused: ${error instanceof TokenError ? error.message : "invalid"}`),
    );
    return;
  }
  const was = client.principal;
  if (renewed.sessionId !== was.sessionId || renewed.role !== was.role) {
    session.send(errorMessage("token refused: it is not a renewal of this socket's token"));
    return;
  }
  client.principal = renewed;
  session.expireIn(expiresInMs(renewed, deps));
  session.send(JSON.stringify({ type: "auth.ok", expiresAt: renewed.expiresAt.toISOString() }));
}

function errorMessage(message: string): string {
  return JSON.stringify({ type: "error", message });
}
