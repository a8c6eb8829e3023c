/** Maps the domain's status names to the proto enum and back (one place for both API and events). */
import { OrderStatus as ProtoStatus } from "../../gen/ovenline/v1/order.ts";
import type { OrderStatus } from "../../domain/status.ts";

const TO_PROTO: Record<OrderStatus, ProtoStatus> = {
  pending: ProtoStatus.ORDER_STATUS_PENDING,
  preparing: ProtoStatus.ORDER_STATUS_PREPARING,
  cooking: ProtoStatus.ORDER_STATUS_COOKING,
  ready: ProtoStatus.ORDER_STATUS_READY,
  completed: ProtoStatus.ORDER_STATUS_COMPLETED,
  cancelled: ProtoStatus.ORDER_STATUS_CANCELLED,
};

const FROM_PROTO = new Map<ProtoStatus, OrderStatus>(
  Object.entries(TO_PROTO).map(([name, value]) => [value, name as OrderStatus]),
);

export function statusToProto(status: OrderStatus): ProtoStatus {
  return TO_PROTO[status];
}

/** undefined for UNSPECIFIED or a value this version does not know. */
export function statusFromProto(status: ProtoStatus): OrderStatus | undefined {
  return FROM_PROTO.get(status);
}
