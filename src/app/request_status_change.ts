/**
 * Asks for a status change. It is checked against the order's current status
 * here (so the caller hears 404 / 409 at once) and then produced to Kafka; the
 * consumer, the only writer of order state, applies it if it still holds.
 */
import { IllegalTransitionError, OrderNotFoundError, ValidationError } from "../domain/errors.ts";
import type { Order } from "../domain/order.ts";
import { ORDER_EVENT_SCHEMA_VERSION } from "../domain/order_event.ts";
import type { Clock, OrderEventLog, OrderReader } from "../domain/ports.ts";
import { canTransition, type OrderStatus } from "../domain/status.ts";
import { codePointLength, textProblem } from "../domain/text.ts";

/** Longest reason kept with a status change (it goes to Kafka and the status history). */
export const MAX_REASON_LENGTH = 200;

export interface StatusChangeDeps {
  readonly clock: Clock;
  readonly orders: OrderReader;
  readonly log: OrderEventLog;
  readonly newEventId: () => string;
}

export interface StatusChangeRequest {
  readonly orderId: string;
  readonly to: OrderStatus;
  readonly actor: string;
  readonly reason?: string;
  /** Refuse unless the order is this customer's (customer cancellations). */
  readonly customerId?: string;
}

/** Returns the order as it will be once the consumer applies the change. */
export async function requestStatusChange(
  deps: StatusChangeDeps,
  request: StatusChangeRequest,
): Promise<Order> {
  checkReason(request.reason);
  const order = await deps.orders.get(request.orderId);
  if (!order || (request.customerId !== undefined && order.customer.id !== request.customerId)) {
    throw new OrderNotFoundError(request.orderId);
  }
  if (!canTransition(order.status, request.to)) {
    throw new IllegalTransitionError(order.status, request.to);
  }
  const now = deps.clock.now();
  await deps.log.append({
    kind: "status_change",
    schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
    eventId: deps.newEventId(),
    orderId: order.id,
    occurredAt: now,
    from: order.status,
    to: request.to,
    actor: request.actor,
    reason: request.reason ?? "",
  });
  return { ...order, status: request.to, version: order.version + 1, updatedAt: now.toISOString() };
}

/** A reason PostgreSQL can store and a screen can show: no control characters (NUL!), bounded. */
function checkReason(reason: string | undefined): void {
  if (!reason) return;
  const length = codePointLength(reason);
  const problem = textProblem(reason) ??
    (length > MAX_REASON_LENGTH
      ? `must be at most ${MAX_REASON_LENGTH} characters (got ${length})`
      : undefined);
  if (problem) throw new ValidationError([{ field: "reason", reason: problem }]);
}
