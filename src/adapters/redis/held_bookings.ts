/** Bookings held after an uncertain Kafka send (lua/release_slot.lua), and their sweep. */
import type { Redis } from "ioredis";
import {
  EVENT_STREAM,
  EVENT_STREAM_MAX_LENGTH,
  HELD_BOOKINGS,
  reservationKey,
  SENDING_BOOKINGS,
} from "./keys.ts";
import { script } from "./scripts.ts";

/**
 * A send still unsettled this long after it was counted belongs to an intake that died: sends give
 * up within seconds (the Kafka send timeout and kafkajs' own retries).
 */
export const STALE_SEND_MS = 60_000;

export class HeldBookings {
  readonly #release;

  constructor(private readonly redis: Redis) {
    this.#release = script(redis, "release_slot");
  }

  /** Orders whose booking has been held since before `ms`. */
  heldBefore(ms: number): Promise<string[]> {
    return this.redis.zrangebyscore(HELD_BOOKINGS, "-inf", `(${ms}`);
  }

  /** Orders whose last send was counted before `ms` and has not settled. */
  sendingBefore(ms: number): Promise<string[]> {
    return this.redis.zrangebyscore(SENDING_BOOKINGS, "-inf", `(${ms}`);
  }

  /** Orders whose send has gone unsettled for longer than STALE_SEND_MS at `now`. */
  staleSends(now: Date): Promise<string[]> {
    return this.sendingBefore(now.getTime() - STALE_SEND_MS);
  }

  /** Holds a booking whose send never settled (its intake died); true when it did. */
  async holdStale(orderId: string, now: Date): Promise<boolean> {
    return (await this.#settle(orderId, "stale", now)) === HELD;
  }

  count(): Promise<number> {
    return this.redis.zcard(HELD_BOOKINGS);
  }

  /** Gives a held booking's capacity back; true when it was still held (never recorded). */
  async release(orderId: string, now: Date): Promise<boolean> {
    return (await this.#settle(orderId, "sweep", now)) === RELEASED;
  }

  #settle(orderId: string, mode: "stale" | "sweep", now: Date): Promise<unknown> {
    const keys = [reservationKey(orderId), HELD_BOOKINGS, SENDING_BOOKINGS, EVENT_STREAM];
    return this.#release(keys, [
      orderId,
      mode,
      now.getTime(),
      now.toISOString(),
      EVENT_STREAM_MAX_LENGTH,
      now.getTime() - STALE_SEND_MS,
    ]);
  }
}

/** release_slot.lua's answers. */
const RELEASED = 1;
const HELD = 2;
