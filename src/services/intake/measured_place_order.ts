/**
 * CreateOrder's telemetry around the use case: counts created and rejected
 * orders (by reason), times the call, names the order on the active (gRPC
 * server) span and logs the accepted order at debug level — with its trace
 * id and the customer's phone masked by the logger.
 */
import { trace } from "@opentelemetry/api";
import type { Order, OrderRequest } from "../../domain/order.ts";
import { recordCreated, recordRejected } from "../../observability/create_order_metrics.ts";
import type { Logger } from "../../observability/logger.ts";

export function measuredPlaceOrder<C>(
  place: (request: OrderRequest, caller: C) => Promise<Order>,
  logger: Logger,
): (request: OrderRequest, caller: C) => Promise<Order> {
  return async (request, caller) => {
    const started = performance.now();
    let order: Order;
    try {
      order = await place(request, caller);
    } catch (error) {
      const reason = recordRejected(error, (performance.now() - started) / 1000);
      trace.getActiveSpan()?.setAttribute("ovenline.rejection.reason", reason);
      throw error;
    }
    recordCreated(order.kitchenId, (performance.now() - started) / 1000);
    trace.getActiveSpan()?.setAttributes({
      "ovenline.order.id": order.id,
      "ovenline.kitchen.id": order.kitchenId,
    });
    logger.debug("order accepted", {
      orderId: order.id,
      displayId: order.displayId,
      kitchenId: order.kitchenId,
      slotStart: order.slotStart,
      customerPhone: order.customer.phone,
      deliveryAddress: order.deliveryAddress,
    });
    return order;
  };
}
