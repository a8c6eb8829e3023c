/**
 * Personal data of an order's customer, and who sees how much of it. Kitchens
 * and viewers see the first name only (to call out "Anna, your pizza");
 * managers see the name, the delivery address and the phone masked; the full
 * phone takes an explicit, logged reveal. Logs mask the same fields.
 */
import type { Order } from "./order.ts";

/** "+79001234567" → "+7900*****67": enough to tell numbers apart, not to call. */
export function maskPhone(phone: string): string {
  if (phone.length <= 6) return "*".repeat(phone.length);
  return phone.slice(0, 4) + "*".repeat(phone.length - 6) + phone.slice(-2);
}

/** Keeps the first word (the street kind or city) and hides the rest. */
export function maskAddress(address: string): string {
  const first = address.trim().split(/\s+/u)[0] ?? "";
  return address.trim().length === 0 ? "" : `${first} ***`;
}

/** "Анна" → "А***": the initial only. */
export function maskName(name: string): string {
  const first = [...name.trim()][0];
  return first === undefined ? "" : `${first}***`;
}

/** How much of the customer a caller sees: "staff" (kitchen, viewer) or "manager". */
export type OrderView = "staff" | "manager";

export interface ShownCustomer {
  readonly firstName: string;
  readonly lastName?: string;
  /** Managers: masked. */
  readonly phone?: string;
}

/** An order as a role sees it: no customer id, and only the customer fields of its view. */
export type ShownOrder = Omit<Order, "customer" | "deliveryAddress"> & {
  readonly customer?: ShownCustomer;
  readonly deliveryAddress?: string;
};

/** Orders on the stream and in some old records lack the customer: they are shown without one. */
export type OrderWithoutCustomer = Omit<Order, "customer" | "deliveryAddress"> & {
  readonly customer?: Order["customer"];
  readonly deliveryAddress?: string;
};

export function showOrder(order: OrderWithoutCustomer, view: OrderView): ShownOrder {
  const { customer, deliveryAddress, ...rest } = order;
  if (!customer) return rest;
  if (view === "staff") return { ...rest, customer: { firstName: customer.firstName } };
  return {
    ...rest,
    customer: {
      firstName: customer.firstName,
      lastName: customer.lastName,
      phone: maskPhone(customer.phone),
    },
    deliveryAddress,
  };
}

/** What goes on the event stream: the order without its customer and address. */
export function withoutPersonalData(order: Order): OrderWithoutCustomer {
  const { customer: _c, deliveryAddress: _a, ...rest } = order;
  return rest;
}
