/**
 * Places one order (the seed's example) with a fresh W3C traceparent in the
 * gRPC metadata, as an instrumented app would, and prints its order id and
 * trace id. With the services exporting to `deno task otel:print`, that trace
 * is printed as a tree a moment later; `--grep <trace id>` shows only it.
 *   deno run -A scripts/trace_one_order.ts [--target host:port] [--kitchen ID]
 */
import { parseArgs } from "node:util";
import { credentials, Metadata } from "@grpc/grpc-js";
import { type OrderResponse, OrderServiceClient } from "../src/gen/ovenline/v1/order_service.ts";
import { readCustomerTokenToolConfig } from "../src/services/customer_tokens/config.ts";
import { localCustomerTokens } from "../src/services/customer_tokens/minter.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    target: { type: "string", default: "127.0.0.1:50051" },
    kitchen: { type: "string", default: "" },
  },
});
const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
const traceId = hex(16);
const metadata = new Metadata();
metadata.set("traceparent", `00-${traceId}-${hex(8)}-01`);
// Signed in as the seed's customer, with a token of the local identity provider.
const tokenOf = await localCustomerTokens(readCustomerTokenToolConfig());
metadata.set("authorization", `Bearer ${await tokenOf("12345")}`);

const client = new OrderServiceClient(values.target, credentials.createInsecure());
try {
  const order = await new Promise<OrderResponse>((resolve, reject) =>
    client.createOrder(
      {
        customerId: "12345",
        pizzaName: "Пицца Классическая",
        quantity: 2,
        customerFirstName: "Иван",
        customerLastName: "Иванов",
        customerPhone: "+79001234567",
        deliveryAddress: "ул. Ленина, д. 1",
        isPickup: false,
        extras: [],
        items: [],
        kitchenId: values.kitchen,
        requestedTime: undefined,
        idempotencyKey: crypto.randomUUID(),
      },
      metadata,
      { deadline: Date.now() + 10_000 },
      (e, r) => (e ? reject(e) : resolve(r)),
    )
  );
  console.log(JSON.stringify({ orderId: order.orderId, displayId: order.displayId, traceId }));
} finally {
  client.close();
}
