/** The order status machine: pending → preparing → cooking → ready → completed, or cancelled early. */

export const ORDER_STATUSES = [
  "pending",
  "preparing",
  "cooking",
  "ready",
  "completed",
  "cancelled",
] as const;

export type OrderStatus = typeof ORDER_STATUSES[number];

const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ["preparing", "cancelled"],
  // Once dough is in the oven (cooking) the order can no longer be cancelled.
  preparing: ["cooking", "cancelled"],
  cooking: ["ready"],
  ready: ["completed"],
  completed: [],
  cancelled: [],
};

/** Whether `from → to` is an allowed change; a status never transitions to itself. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The status the KDS one-tap advance (and the bump of a ready order) moves to; undefined once terminal. */
export function nextStatus(from: OrderStatus): OrderStatus | undefined {
  switch (from) {
    case "pending":
      return "preparing";
    case "preparing":
      return "cooking";
    case "cooking":
      return "ready";
    case "ready":
      return "completed";
    case "completed":
    case "cancelled":
      return undefined;
  }
}

/** No further change is possible. */
export function isTerminal(status: OrderStatus): boolean {
  return status === "completed" || status === "cancelled";
}

/** The order still holds capacity in its slot and belongs on the KDS. */
export function isLive(status: OrderStatus): boolean {
  return !isTerminal(status);
}

/** Reads a status name as sent by REST clients: surrounding spaces and letter case are ignored. */
export function parseStatus(text: string): OrderStatus | undefined {
  const wanted = text.trim().toLowerCase();
  return ORDER_STATUSES.find((status) => status === wanted);
}
