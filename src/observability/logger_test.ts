import assert from "node:assert/strict";
import { createLogger } from "./logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: "test" }, "debug", (l) => lines.push(JSON.parse(l)));
  return { logger, lines };
}

Deno.test("createLogger() masks phones and addresses, also inside nested objects", () => {
  const { logger, lines } = capture();
  logger.info("order accepted", {
    orderId: "o-1",
    customerPhone: "+79001234567",
    deliveryAddress: "ул. Ленина, д. 1",
    order: { customer: { phone: "+79001234567" }, deliveryAddress: "пр. Мира, д. 7" },
  });
  const text = JSON.stringify(lines);
  assert(!text.includes("+79001234567"), text);
  assert(!text.includes("Ленина"), text);
  assert(!text.includes("Мира"), text);
  assert.equal(lines[0].customerPhone, "+790******67");
  assert.equal(lines[0].orderId, "o-1");
});

Deno.test("createLogger() adds no trace ids outside a traced operation", () => {
  const { logger, lines } = capture();
  logger.warn("no span here");
  assert.equal(lines[0].trace_id, undefined);
  assert.equal(lines[0].msg, "no span here");
});
