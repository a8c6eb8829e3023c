import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { waitForOrder } from "./support/observe.ts";
import { TestStack } from "./support/stack.ts";

Deno.test("dbg", async () => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("dbg_watch", { kitchens: [kitchen], services: ["consumer", "intake"] });
  const show = async (label: string) => {
    const list = await stack.redis.client("LIST") as string;
    for (const line of list.split("\n")) if (line.includes("intake-watch") && line.includes(` db=${stack.redisLease.db} `)) console.log(label, line.replace(/addr.*?name/, "name").slice(0, 140));
  };
  try {
    const res = await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    await waitForOrder(stack, res.orderId);
    await show("before");
    const call = stack.api.raw.watchOrder({ orderId: res.orderId });
    await new Promise((r) => call.once("data", r));
    await show("watching");
    call.on("error", () => {});
    call.cancel();
    for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 700)); await show(`after cancel +${(i + 1) * 700}`); }
    for (let i = 0; i < 30; i++) {
      const c = stack.api.raw.watchOrder({ orderId: res.orderId });
      c.on("error", () => {});
      if (i % 2) await new Promise((r) => setTimeout(r, i % 7));
      c.cancel();
    }
    for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 700)); await show(`after immediate +${(i + 1) * 700}`); }
    const unk = stack.api.raw.watchOrder({ orderId: crypto.randomUUID() });
    await new Promise((r) => unk.on("error", r));
    for (let i = 0; i < 4; i++) { await new Promise((r) => setTimeout(r, 700)); await show(`after unknown +${(i + 1) * 700}`); }
  } finally {
    await stack.close();
  }
});
