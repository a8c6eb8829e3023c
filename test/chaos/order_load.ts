/**
 * A steady load of orders from clients that behave like real apps: each
 * order has an idempotency key, and a call that fails for a transient reason
 * (UNAVAILABLE, a dropped connection, a deadline) is retried with the same key
 * until it gets an answer. "Acknowledged" means the client heard "yes". Some
 * customers walk away instead after their first failure (they close the app):
 * their order may or may not have been recorded, and its booking must be
 * settled either way.
 */
import { status as Code } from "@grpc/grpc-js";
import type { OrderResponse } from "../../src/gen/ovenline/v1/order_service.ts";
import { OrderApi, seedExampleRequest } from "../support/grpc_client.ts";

export interface Acknowledged {
  readonly idempotencyKey: string;
  readonly customerId: string;
  readonly response: OrderResponse;
  readonly attempts: number;
  readonly ackedAt: number;
}

export interface WalkedAway {
  readonly idempotencyKey: string;
  readonly customerId: string;
}

export interface LoadStats {
  readonly acknowledged: Acknowledged[];
  /** Logical orders that never got an answer before the give-up deadline. */
  readonly abandoned: number;
  readonly retries: number;
  readonly rejected: Map<string, number>;
}

const TRANSIENT = new Set([
  Code.UNAVAILABLE,
  Code.DEADLINE_EXCEEDED,
  Code.CANCELLED,
  Code.UNKNOWN,
  Code.INTERNAL,
]);

const PIZZAS = ["Пицца Классическая", "Маргарита", "Пепперони", "Четыре сыра", "Мясная", "Грибная"];

export class OrderLoad {
  readonly acknowledged: Acknowledged[] = [];
  readonly rejected = new Map<string, number>();
  readonly walkedAway: WalkedAway[] = [];
  abandoned = 0;
  retries = 0;
  #api: OrderApi;

  /** `walkAwayEvery`: every Nth customer gives up after a first transient failure (0: none). */
  constructor(
    api: OrderApi,
    private readonly kitchenId: string,
    private readonly walkAwayEvery = 0,
  ) {
    this.#api = api;
  }

  /** Places `total` orders at about `perSecond`, each retried until answered or `giveUpMs` passes. */
  async run(
    total: number,
    perSecond: number,
    giveUpMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let n = 0; n < total && !signal?.aborted; n++) {
      const due = started + (n * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const p = this.#placeOne(n, giveUpMs).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  }

  async #placeOne(n: number, giveUpMs: number): Promise<void> {
    const idempotencyKey = crypto.randomUUID();
    const customerId = String(1_000_000 + n);
    const request = seedExampleRequest({
      customerId,
      pizzaName: PIZZAS[n % PIZZAS.length],
      quantity: 1 + (n % 2),
      customerPhone: `+7900${String(1_000_000 + n).padStart(7, "0")}`,
      kitchenId: this.kitchenId,
      idempotencyKey,
    });
    const deadline = Date.now() + giveUpMs;
    for (let attempt = 1;; attempt++) {
      try {
        const response = await this.#api.createOrder(request, 10_000);
        this.acknowledged.push({
          idempotencyKey,
          customerId,
          response,
          attempts: attempt,
          ackedAt: Date.now(),
        });
        return;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code !== undefined && !TRANSIENT.has(code)) {
          const key = Code[code] ?? String(code);
          this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1);
          return;
        }
        if (this.walkAwayEvery > 0 && n % this.walkAwayEvery === this.walkAwayEvery - 1) {
          this.walkedAway.push({ idempotencyKey, customerId });
          return;
        }
        if (Date.now() > deadline) {
          this.abandoned++;
          return;
        }
        this.retries++;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(attempt, 5), 2_000)));
      }
    }
  }

  close(): void {
    this.#api.close();
  }
}
