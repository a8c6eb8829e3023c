import assert from "node:assert/strict";
import { seedExampleRequest } from "./support/grpc_client.ts";
import { testKitchen } from "./support/kitchens.ts";
import { TestStack } from "./support/stack.ts";

Deno.test("smoke: the seed's example request is accepted and recorded", async () => {
  const stack = await TestStack.start("smoke", { kitchens: [testKitchen()] });
  try {
    const res = await stack.api.createOrder(seedExampleRequest({ idempotencyKey: "k1" }));
    console.log(res);
    assert.equal(res.totalPriceKopecks, "192400");
    for (let i = 0; i < 50; i++) {
      const { rows } = await stack.pool.query("SELECT * FROM orders WHERE id = $1", [res.orderId]);
      if (rows.length) {
        console.log(rows[0]);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert(await stack.redis.get(`erp:order:${res.orderId}`));
  } finally {
    await stack.close();
  }
});
