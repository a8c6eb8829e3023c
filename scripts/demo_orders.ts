/**
 * Places a steady stream of varied sample orders over gRPC, as customer apps
 * would: different pizzas, extras, several lines, pickup and delivery, some
 * pre-orders for later today, each with an idempotency key, each customer signed in with a
 * token from the local identity provider (scripts/with_infra.sh sets its key).
 *   bash scripts/with_infra.sh deno run -A scripts/demo_orders.ts [--target host:port]
 *     [--orders N] [--interval-ms MS]
 */
import { parseArgs } from "node:util";
import { credentials, Metadata } from "@grpc/grpc-js";
import { readCustomerTokenToolConfig } from "../src/services/customer_tokens/config.ts";
import { localCustomerTokens } from "../src/services/customer_tokens/minter.ts";
import {
  type OrderResponse,
  OrderServiceClient,
  type PizzaOrderRequest,
} from "../src/gen/ovenline/v1/order_service.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    target: { type: "string", default: "127.0.0.1:50051" },
    orders: { type: "string" },
    "interval-ms": { type: "string", default: "2000" },
  },
});

const PIZZAS = [
  "Пицца Классическая",
  "Маргарита",
  "Пепперони",
  "Четыре сыра",
  "Гавайская",
  "Мясная",
  "Барбекю",
  "Грибная",
  "Вегетарианская",
  "Дьябло",
];
const EXTRAS = ["Двойной сыр", "Халапеньо", "Бекон", "Шампиньоны", "Оливки", "Сырный бортик"];
const PEOPLE = [
  ["Иван", "Иванов"],
  ["Мария", "Смирнова"],
  ["Алексей", "Кузнецов"],
  ["Ольга", "Попова"],
  ["Дмитрий", "Соколов"],
  ["Анна", "Лебедева"],
];
const STREETS = ["ул. Ленина", "пр. Мира", "ул. Гагарина", "Садовая ул.", "наб. Фонтанки"];

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

function sampleOrder(n: number): PizzaOrderRequest {
  const [first, last] = pick(PEOPLE);
  const pickup = Math.random() < 0.3;
  const lines = 1 + Math.floor(Math.random() * 2);
  return {
    customerId: String(10_000 + Math.floor(Math.random() * 5_000)),
    pizzaName: pick(PIZZAS),
    quantity: 1 + Math.floor(Math.random() * 2),
    customerFirstName: first,
    customerLastName: last,
    customerPhone: `+7900${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}`,
    deliveryAddress: pickup ? "" : `${pick(STREETS)}, д. ${1 + Math.floor(Math.random() * 80)}`,
    isPickup: pickup,
    extras: Math.random() < 0.4 ? [pick(EXTRAS)] : [],
    items: Array.from({ length: lines - 1 }, () => ({
      pizzaName: pick(PIZZAS),
      quantity: 1,
      extras: Math.random() < 0.3 ? [pick(EXTRAS)] : [],
    })),
    kitchenId: "",
    // One in six is a pre-order for two hours from now.
    requestedTime: n % 6 === 5 ? new Date(Date.now() + 2 * 3_600_000) : undefined,
    idempotencyKey: crypto.randomUUID(),
  };
}

const client = new OrderServiceClient(values.target!, credentials.createInsecure());
const tokenOf = await localCustomerTokens(readCustomerTokenToolConfig());
const create = async (req: PizzaOrderRequest) => {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${await tokenOf(req.customerId)}`);
  return await new Promise<OrderResponse>((resolve, reject) =>
    client.createOrder(req, metadata, (error, res) => (error ? reject(error) : resolve(res)))
  );
};

const limit = values.orders ? Number(values.orders) : Infinity;
const interval = Number(values["interval-ms"]);
let ok = 0;
let rejected = 0;
let stopping = false;
Deno.addSignalListener("SIGINT", () => (stopping = true));

for (let n = 0; n < limit && !stopping; n++) {
  const req = sampleOrder(n);
  try {
    const res = await create(req);
    ok++;
    const rub = (Number(res.totalPriceKopecks) / 100).toFixed(2);
    console.log(
      `#${res.displayId}  ${req.pizzaName} ×${req.quantity}${req.items.length ? " +" : ""}  ` +
        `${rub} ₽  slot ${res.slotStartTime}${req.requestedTime ? " (pre-order)" : ""}`,
    );
  } catch (error) {
    rejected++;
    console.log(`rejected: ${(error as Error).message}`);
  }
  if (n + 1 < limit && !stopping) await new Promise((r) => setTimeout(r, interval));
}
client.close();
console.log(`${ok} orders accepted, ${rejected} rejected`);
