/** Capacity bookings in Redis (the SlotReservations port), one Lua call per booking. */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { DependencyUnavailableError } from "../../domain/errors.ts";
import type {
  CandidateSlot,
  FailedSend,
  Reservation,
  ReservationOutcome,
  ReservationRequest,
  ReservationState,
  SlotReservations,
} from "../../domain/ports.ts";
import type { OrderPlaced } from "../../domain/order_event.ts";
import { startScriptSpan } from "../../observability/redis_spans.ts";
import { failSpan } from "../../observability/tracing.ts";
import { decodeOrderEvent, encodeOrderEvent } from "../protobuf/order_event_codec.ts";
import {
  EVENT_STREAM,
  EVENT_STREAM_MAX_LENGTH,
  HELD_BOOKINGS,
  READY_MARKER,
  reservationKey,
  SENDING_BOOKINGS,
} from "./keys.ts";
import { script } from "./scripts.ts";

/** Slot keys outlive their slot by a day: the dashboard shows today's load after the fact. */
export const KEEP_SLOT_KEYS_AFTER_END_S = 86_400;
const KEEP_DISPLAY_COUNTER_S = 3 * 86_400;
const LIMITED_SUBJECTS = ["customer", "phone", "peer"] as const;

export class RedisSlotReservations implements SlotReservations {
  readonly #reserve;
  readonly #release;
  readonly #confirm;

  constructor(private readonly redis: Redis) {
    this.#reserve = script(redis, "reserve_slot", { binaryReply: true });
    this.#release = script(redis, "release_slot");
    this.#confirm = script(redis, "confirm_booking");
  }

  async reserve(request: ReservationRequest): Promise<ReservationOutcome> {
    const keys = [reservationKey(request.orderId), READY_MARKER, SENDING_BOOKINGS];
    const args: (string | number)[] = [
      request.orderId,
      request.weight,
      request.capacity,
      request.createdAt.getTime(),
      KEEP_SLOT_KEYS_AFTER_END_S,
      KEEP_DISPLAY_COUNTER_S,
    ];
    const first = request.candidates[0];
    const slotSeconds = first ? (first.end.getTime() - first.start.getTime()) / 1000 : 0;
    args.push(
      request.kitchenId,
      slotSeconds,
      runsOf(request.candidates, slotSeconds),
      request.customerId,
      request.customerPhone,
      request.rateLimit.points,
      request.rateLimit.windowSeconds,
      request.fingerprint ?? "",
      request.peer?.key ?? "",
      request.peer?.rateLimit.points ?? 0,
      request.peer?.rateLimit.windowSeconds ?? 0,
      request.customerCaps?.openOrders ?? 0,
      request.customerCaps?.slotLoad ?? 0,
    );
    const span = startScriptSpan("reserve_slot", undefined, {
      "ovenline.order.id": request.orderId,
      "ovenline.kitchen.id": request.kitchenId,
      "ovenline.slot.candidates": request.candidates.length,
    });
    let reply: (Uint8Array | null)[];
    try {
      reply = await this.#call(() => this.#reserve(keys, args)) as (Uint8Array | null)[];
      span.setAttribute("ovenline.reservation.verdict", text(reply[0]));
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
    const verdict = text(reply[0]);
    switch (verdict) {
      case "FULL":
        return { kind: "full" };
      case "RATE_LIMITED":
        return {
          kind: "rate_limited",
          subject: LIMITED_SUBJECTS.find((s) => s === text(reply[1])) ?? "customer",
          retryAfterMs: Number(text(reply[2])),
        };
      case "KEY_REUSED":
        return { kind: "key_reused" };
      case "OPEN_LIMIT":
        return {
          kind: "open_orders_limit",
          limit: Number(text(reply[1])),
          retryAfterMs: Number(text(reply[2])),
        };
      case "NOT_READY":
        throw new DependencyUnavailableError("redis (live state is being restored)");
      case "RESERVED":
      case "EXISTING":
        return {
          kind: verdict === "RESERVED" ? "reserved" : "existing",
          reservation: reservationOf(reply),
        };
      default:
        throw new Error(`reserve_slot answered ${verdict}`);
    }
  }

  async attachEvent(event: OrderPlaced): Promise<void> {
    const bytes = Buffer.from(encodeOrderEvent(event));
    await this.#call(() => this.redis.hset(reservationKey(event.orderId), "event", bytes));
  }

  async confirm(event: OrderPlaced): Promise<void> {
    const bytes = encodeOrderEvent(event);
    await this.#call(() =>
      this.#confirm(
        [reservationKey(event.orderId), HELD_BOOKINGS, SENDING_BOOKINGS],
        [bytes, event.orderId],
      )
    );
  }

  async sendFailed(orderId: string, verdict: FailedSend, now: Date): Promise<void> {
    const span = startScriptSpan("release_slot", undefined, {
      "ovenline.order.id": orderId,
      "ovenline.send.verdict": verdict,
    });
    try {
      await this.#call(() =>
        this.#release([reservationKey(orderId), HELD_BOOKINGS, SENDING_BOOKINGS, EVENT_STREAM], [
          orderId,
          verdict,
          now.getTime(),
          now.toISOString(),
          EVENT_STREAM_MAX_LENGTH,
        ])
      );
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DependencyUnavailableError("redis", error);
    }
  }
}

const utf8 = new TextDecoder();

function text(value: Uint8Array | null | undefined): string {
  return value ? utf8.decode(value) : "";
}

function reservationOf(reply: (Uint8Array | null)[]): Reservation {
  const bytes = reply[7];
  const decoded = bytes && bytes.length > 0 ? decodeOrderEvent(new Uint8Array(bytes)) : undefined;
  const event = decoded?.kind === "placed" ? decoded : undefined;
  return {
    slotId: text(reply[1]),
    start: new Date(Number(text(reply[2]))),
    end: new Date(Number(text(reply[3]))),
    displaySeq: Number(text(reply[4])),
    createdAt: new Date(Number(text(reply[5]))),
    state: text(reply[6]) as ReservationState,
    businessDate: text(reply[8]),
    event,
  };
}

/** Runs of a candidate list, kept while the list lives (intake reuses one per slot plan). */
const runsByCandidates = new WeakMap<readonly CandidateSlot[], string>();

function runsOf(candidates: readonly CandidateSlot[], slotSeconds: number): string {
  let runs = runsByCandidates.get(candidates);
  if (runs === undefined) {
    runs = candidateRuns(candidates, slotSeconds);
    runsByCandidates.set(candidates, runs);
  }
  return runs;
}

/**
 * Candidates as runs of back-to-back slots of one business day, the compact
 * form reserve_slot.lua walks: "startSec:count:YYYY-MM-DD,…". Slot ids follow
 * from the start ("slot:{kitchen}:{startSec}"), as the domain names them.
 */
export function candidateRuns(candidates: readonly CandidateSlot[], slotSeconds: number): string {
  const runs: string[] = [];
  let runStart = 0;
  let count = 0;
  let date = "";
  for (const slot of candidates) {
    const start = slot.start.getTime() / 1000;
    if (count > 0 && slot.businessDate === date && start === runStart + count * slotSeconds) {
      count++;
      continue;
    }
    if (count > 0) runs.push(`${runStart}:${count}:${date}`);
    runStart = start;
    count = 1;
    date = slot.businessDate;
  }
  if (count > 0) runs.push(`${runStart}:${count}:${date}`);
  return runs.join(",");
}
