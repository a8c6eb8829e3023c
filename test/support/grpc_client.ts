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
import { signInAs } from "./customer_tokens.ts";
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

/** Where a test client gets its customers' tokens (test/support/customer_tokens.ts). */
export interface CustomerTokens {
  token(customerId: string): Promise<string>;
}

/**
 * An OrderService client that signs in like a customer app: each call carries the token of the
 * customer it acts for (the request's customer id, else the one that placed the order, else the
 * seed's 12345), when it was given `tokens`.
 */
export class OrderApi {
  readonly raw: InstanceType<typeof OrderServiceClient>;
  readonly #placedBy = new Map<string, string>();

  /** Plaintext unless `client` gives credentials (and channel options, e.g. the TLS name to verify). */
  constructor(
    readonly address: string,
    client: { credentials: ChannelCredentials; options?: ChannelOptions } = {
      credentials: credentials.createInsecure(),
    },
    readonly tokens?: CustomerTokens,
  ) {
    this.raw = new OrderServiceClient(address, client.credentials, client.options);
  }

  /** Metadata signed in as `customerId` (or the seed's customer), for calls made through `raw`. */
  async metadata(customerId?: string): Promise<Metadata> {
    const metadata = new Metadata();
    if (this.tokens) {
      metadata.set("authorization", `Bearer ${await this.tokens.token(signInAs(customerId))}`);
    }
    return metadata;
  }

  /** Metadata of the customer who placed `orderId` through this client. */
  metadataForOrder(orderId: string): Promise<Metadata> {
    return this.metadata(this.#placedBy.get(orderId));
  }

  async createOrder(
    request: Partial<PizzaOrderRequest>,
    deadlineMs = 15_000,
  ): Promise<OrderResponse> {
    const metadata = await this.metadata(request.customerId);
    const response = await new Promise<OrderResponse>((resolve, reject) =>
      this.raw.createOrder(
        fullRequest(request),
        metadata,
        { deadline: Date.now() + deadlineMs },
        (error, response) => (error ? reject(error) : resolve(response)),
      )
    );
    this.#placedBy.set(response.orderId, signInAs(request.customerId));
    return response;
  }

  async getOrder(request: GetOrderRequest, asCustomer?: string): Promise<OrderView> {
    const metadata = await this.metadata(asCustomer ?? this.#placedBy.get(request.orderId));
    return await new Promise((resolve, reject) =>
      this.raw.getOrder(
        request,
        metadata,
        (error, response) => (error ? reject(error) : resolve(response)),
      )
    );
  }

  async cancelOrder(request: CancelOrderRequest): Promise<CancelOrderResponse> {
    const metadata = await this.metadata(
      request.customerId !== "0" ? request.customerId : this.#placedBy.get(request.orderId),
    );
    return await new Promise((resolve, reject) =>
      this.raw.cancelOrder(
        request,
        metadata,
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
