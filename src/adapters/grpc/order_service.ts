/** The OrderService handlers: decode, call the use case, encode; every error goes through toServiceError. */
import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status as Code } from "@grpc/grpc-js";
import type {
  CancelOrderRequest,
  CancelOrderResponse,
  GetOrderRequest,
  OrderResponse,
  OrderStatusUpdate,
  OrderView,
  PizzaOrderRequest,
  WatchOrderRequest,
} from "../../gen/ovenline/v1/order_service.ts";
import type { Order, OrderRequest } from "../../domain/order.ts";
import { endGrpcServerSpan, startGrpcServerSpan } from "../../observability/grpc_server_span.ts";
import type { Logger } from "../../observability/logger.ts";
import { statusToProto } from "../protobuf/order_status_codec.ts";
import { serviceError, toServiceError } from "./errors.ts";
import { UndecodableRequest } from "./tolerant_decoding.ts";
import { orderRequestOf, orderResponseOf, orderViewOf } from "./order_messages.ts";
import type { CallGate } from "./call_gate.ts";
import type { IdentifiedCall } from "./caller_identity.ts";

/** Each use case gets the caller the transport proved (call_gate.ts), never one the body names. */
export interface OrderUseCases {
  placeOrder(request: OrderRequest, caller: IdentifiedCall): Promise<Order>;
  getOrder(orderId: string, caller: IdentifiedCall): Promise<Order>;
  cancelOrder(
    orderId: string,
    customerId: string,
    reason: string,
    caller: IdentifiedCall,
  ): Promise<Order>;
  /** Calls `onOrder` with the order now and after each change until it is terminal or `signal` aborts. */
  watchOrder(
    orderId: string,
    onOrder: (order: Order) => void,
    signal: AbortSignal,
    caller: IdentifiedCall,
  ): Promise<void>;
}

const SERVICE = "ovenline.v1.OrderService";

export function orderServiceHandlers(
  app: OrderUseCases,
  logger: Logger,
  gate: CallGate,
): UntypedServiceImplementation {
  const unary =
    <Req, Res>(name: string, run: (req: Req, caller: IdentifiedCall) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      if (call.request instanceof UndecodableRequest) {
        callback(undecodable(name, call.request));
        return;
      }
      const traced = startGrpcServerSpan(SERVICE, name, call.metadata);
      traced.run(async () => run(call.request, await gate.admit(call))).then(
        (response) => {
          endGrpcServerSpan(traced.span, Code.OK);
          callback(null, response);
        },
        (error) => {
          const mapped = toServiceError(error);
          if (mapped.code === Code.INTERNAL) {
            traced.run(() => logger.error(`${name} failed`, { error }));
          }
          endGrpcServerSpan(traced.span, mapped.code, mapped.details);
          callback(mapped);
        },
      );
    };

  return {
    createOrder: unary<PizzaOrderRequest, OrderResponse>(
      "CreateOrder",
      async (req, caller) => orderResponseOf(await app.placeOrder(orderRequestOf(req), caller)),
    ),
    getOrder: unary<GetOrderRequest, OrderView>(
      "GetOrder",
      async (req, caller) => orderViewOf(await app.getOrder(req.orderId, caller)),
    ),
    cancelOrder: unary<CancelOrderRequest, CancelOrderResponse>(
      "CancelOrder",
      async (req, caller) => {
        const order = await app.cancelOrder(req.orderId, req.customerId, req.reason, caller);
        return { orderId: order.id, status: statusToProto(order.status) };
      },
    ),
    watchOrder: (call: ServerWritableStream<WatchOrderRequest, OrderStatusUpdate>) => {
      if (call.request instanceof UndecodableRequest) {
        call.emit("error", undecodable("WatchOrder", call.request));
        return;
      }
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      const onOrder = (order: Order) => {
        call.write({
          orderId: order.id,
          status: statusToProto(order.status),
          changedAt: new Date(order.updatedAt),
          displayId: order.displayId,
        });
      };
      gate.admit(call).then((caller) =>
        app.watchOrder(call.request.orderId, onOrder, abort.signal, caller)
      ).then(
        () => call.end(),
        (error) => {
          if (abort.signal.aborted) return;
          const mapped = toServiceError(error);
          if (mapped.code === Code.INTERNAL) logger.error("WatchOrder failed", { error });
          // grpc-js sends an error status for an "error" event; destroy() would drop the call
          // without any status and leave the client waiting until its deadline.
          call.emit("error", mapped);
        },
      );
    },
  };
}

function undecodable(method: string, request: UndecodableRequest) {
  return serviceError(
    Code.INVALID_ARGUMENT,
    `the ${method} request is not a valid protobuf message (${request.reason.slice(0, 200)})`,
  );
}
