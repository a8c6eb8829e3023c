/** A promise-returning OrderService client, plus decoding of the rich error details. */
import {
  type ChannelCredentials,
  type ChannelOptions,
  credentials,
  Metadata,
  type ServiceError,
  status as Code,
} from "@grpc/grpc-js";
import { HealthClient } from "./health_client.ts";
import {
  type CancelOrderRequest,
  type CancelOrderResponse,
  type GetOrderRequest,
  type OrderResponse,
  OrderServiceClient,
  type OrderView,
  type PizzaOrderRequest,
} from "../../src/gen/ovenline/v1/order_service.ts";
import { Status } from "../../src/gen/google/rpc/status.ts";
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  RetryInfo,
} from "../../src/gen/google/rpc/error_details.ts";

export { Code };

export class OrderApi {
  readonly raw: InstanceType<typeof OrderServiceClient>;

  /** Plaintext unless `client` gives credentials (and channel options, e.g. the TLS name to verify). */
  constructor(
    readonly address: string,
    client: { credentials: ChannelCredentials; options?: ChannelOptions } = {
      credentials: credentials.createInsecure(),
    },
  ) {
    this.raw = new OrderServiceClient(address, client.credentials, client.options);
  }

  createOrder(request: Partial<PizzaOrderRequest>, deadlineMs = 15_000): Promise<OrderResponse> {
    return new Promise((resolve, reject) =>
      this.raw.createOrder(
        fullRequest(request),
        new Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, response) => (error ? reject(error) : resolve(response)),
      )
    );
  }

  getOrder(request: GetOrderRequest): Promise<OrderView> {
    return new Promise((resolve, reject) =>
      this.raw.getOrder(request, (error, response) => (error ? reject(error) : resolve(response)))
    );
  }

  cancelOrder(request: CancelOrderRequest): Promise<CancelOrderResponse> {
    return new Promise((resolve, reject) =>
      this.raw.cancelOrder(
        request,
        (error, response) => (error ? reject(error) : resolve(response)),
      )
    );
  }

  close(): void {
    this.raw.close();
  }
}

export function fullRequest(partial: Partial<PizzaOrderRequest>): PizzaOrderRequest {
  return {
    customerId: "0",
    pizzaName: "",
    quantity: 0,
    customerFirstName: "",
    customerLastName: "",
    customerPhone: "",
    deliveryAddress: "",
    isPickup: false,
    extras: [],
    items: [],
    kitchenId: "",
    requestedTime: undefined,
    idempotencyKey: "",
    ...partial,
  };
}

/** The seed's own example request, field for field. */
export function seedExampleRequest(overrides: Partial<PizzaOrderRequest> = {}): PizzaOrderRequest {
  return fullRequest({
    customerId: "12345",
    pizzaName: "Пицца Классическая",
    quantity: 2,
    customerFirstName: "Иван",
    customerLastName: "Иванов",
    customerPhone: "+79001234567",
    deliveryAddress: "ул. Ленина, д. 1",
    isPickup: false,
    ...overrides,
  });
}

export interface RichError {
  readonly code: Code;
  readonly message: string;
  readonly fieldViolations: { field: string; description: string }[];
  readonly preconditionSubjects: string[];
  readonly errorInfo?: { reason: string; metadata: Record<string, string> };
  readonly retryDelayMs?: number;
}

export function richError(error: unknown): RichError {
  const e = error as ServiceError;
  if (typeof e?.code !== "number") throw error;
  const bin = e.metadata?.get("grpc-status-details-bin")?.[0];
  const status = bin ? Status.decode(bin as Uint8Array) : undefined;
  const result: RichError = {
    code: e.code,
    message: e.details,
    fieldViolations: [],
    preconditionSubjects: [],
  };
  let errorInfo: RichError["errorInfo"];
  let retryDelayMs: number | undefined;
  for (const d of status?.details ?? []) {
    if (d.typeUrl.endsWith("google.rpc.BadRequest")) {
      result.fieldViolations.push(...BadRequest.decode(d.value).fieldViolations);
    } else if (d.typeUrl.endsWith("google.rpc.PreconditionFailure")) {
      result.preconditionSubjects.push(
        ...PreconditionFailure.decode(d.value).violations.map((v) => v.subject),
      );
    } else if (d.typeUrl.endsWith("google.rpc.ErrorInfo")) {
      const info = ErrorInfo.decode(d.value);
      errorInfo = { reason: info.reason, metadata: info.metadata };
    } else if (d.typeUrl.endsWith("google.rpc.RetryInfo")) {
      const delay = RetryInfo.decode(d.value).retryDelay;
      if (delay) retryDelayMs = Number(delay.seconds) * 1000 + delay.nanos / 1e6;
    }
  }
  return { ...result, errorInfo, retryDelayMs };
}

/** Awaits a call expected to fail and returns its decoded error; fails the test if it succeeded. */
export async function expectGrpcError(call: Promise<unknown>): Promise<RichError> {
  try {
    await call;
  } catch (error) {
    return richError(error);
  }
  throw new Error("the call succeeded but an error was expected");
}

export { HealthClient };
