/**
 * Who may see or cancel an order: the customer who placed it, as the caller proved it (token or
 * backend-for-frontend). An order of somebody else answers exactly like one that does not exist,
 * and each such miss counts against the caller (customer and peer); too many in a window and
 * its lookups are refused for the rest of it. Anonymous callers (trusted networks only) look
 * orders up by id alone, as the seed did, and cancel by the customer id in the request.
 */
import { CustomerMismatchError, OrderNotFoundError } from "../../domain/errors.ts";
import type { Caller } from "../../domain/caller.ts";
import type { Order } from "../../domain/order.ts";
import type { OrderReader } from "../../domain/ports.ts";
import type { MissSubject } from "../../adapters/redis/lookup_misses.ts";

export interface LookupMisses {
  check(subjects: readonly MissSubject[]): Promise<void>;
  count(subjects: readonly MissSubject[]): Promise<void>;
}

export class OrderAccess {
  constructor(private readonly orders: OrderReader, private readonly misses: LookupMisses) {}

  /** The order, when `caller` may see it; OrderNotFoundError (a counted miss) otherwise. */
  order(orderId: string, caller: Caller): Promise<Order> {
    return this.guarded(caller, undefined, async () => {
      const order = await this.orders.get(orderId);
      if (!order || (caller.customerId !== undefined && order.customer.id !== caller.customerId)) {
        throw new OrderNotFoundError(orderId);
      }
      return order;
    });
  }

  /**
   * The customer on whose behalf `caller` may act: its proven customer, which a request may
   * repeat ("0" = not given) but not contradict; for an anonymous caller, the one it names.
   */
  customerFor(caller: Caller, claimed: string, field: string): string {
    if (caller.customerId === undefined) return claimed;
    if (claimed !== "0" && claimed !== "" && claimed !== caller.customerId) {
      throw new CustomerMismatchError(field, claimed);
    }
    return caller.customerId;
  }

  /** Runs `lookup` unless the caller has used up its misses; counts a miss when it finds nothing. */
  async guarded<T>(caller: Caller, customerId: string | undefined, lookup: () => Promise<T>) {
    const subjects = this.#subjects(caller, customerId);
    await this.misses.check(subjects);
    try {
      return await lookup();
    } catch (error) {
      if (error instanceof OrderNotFoundError) await this.misses.count(subjects).catch(() => {});
      throw error;
    }
  }

  #subjects(caller: Caller, customerId: string | undefined): MissSubject[] {
    const subjects: MissSubject[] = [];
    const customer = caller.customerId ?? customerId;
    if (customer !== undefined && customer !== "0") subjects.push(["customer", customer]);
    if (caller.peer !== undefined) subjects.push(["peer", caller.peer]);
    return subjects;
  }
}
