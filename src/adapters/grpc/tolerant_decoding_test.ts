import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  OrderServiceService,
  type PizzaOrderRequest,
  PizzaOrderRequest as Codec,
} from "../../gen/ovenline/v1/order_service.ts";
import { UndecodableRequest, withTolerantDecoding } from "./tolerant_decoding.ts";

const decode = (bytes: number[] | Uint8Array) =>
  withTolerantDecoding(OrderServiceService).createOrder.requestDeserialize(Buffer.from(bytes)) as
    | PizzaOrderRequest
    | UndecodableRequest;

const name = (bytes: number[]) => [0x22, bytes.length, ...bytes]; // customer_first_name

function undecodable(bytes: number[] | Uint8Array, reason: RegExp): void {
  const decoded = decode(bytes);
  assert(decoded instanceof UndecodableRequest, `decoded: ${JSON.stringify(decoded)}`);
  assert.match(decoded.reason, reason);
}

Deno.test("`withTolerantDecoding()` decodes a valid request as the generated decoder does", () => {
  const request = Codec.fromPartial({
    customerId: "12345",
    customerFirstName: "Иван 🍕",
    items: [{ pizzaName: "Маргарита", quantity: 1, extras: ["Бекон"] }],
    requestedTime: new Date("2030-01-01T12:00:00Z"),
  });
  assert.deepEqual(decode(Codec.encode(request).finish()), request);
  assert.deepEqual(decode([]), Codec.fromPartial({}));
});

Deno.test("`withTolerantDecoding()` keeps text that is valid UTF-8, U+FFFD and a leading U+FEFF included", () => {
  for (const text of ["\ufffd", "\ufeffИван", "\u200fמשה", "👨‍👩‍👧"]) {
    const decoded = decode(name([...new TextEncoder().encode(text)])) as PizzaOrderRequest;
    assert.equal(decoded.customerFirstName, text);
  }
});

Deno.test("`withTolerantDecoding()` refuses strings that are not UTF-8, at any depth", () => {
  const invalid = [[0xff], [0xc0, 0x80], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [
    0xf4,
    0x90,
    0x80,
    0x80,
  ], [0xd0]];
  for (const bad of invalid) {
    undecodable(name([0x41, ...bad]), /a string field is not valid UTF-8/);
    // items[0].extras[0]
    undecodable([0x52, bad.length + 5, 0x0a, 1, 0x41, 0x1a, bad.length, ...bad], /not valid UTF-8/);
  }
});

Deno.test("`withTolerantDecoding()` refuses what the generated decoder would silently cut short", () => {
  const valid = [...Codec.encode(Codec.fromPartial({ customerId: "5", pizzaName: "X" })).finish()];
  undecodable([...valid, 0x00], /illegal tag: field no 0/);
  undecodable([0x00, ...valid], /illegal tag: field no 0/);
  undecodable([0x0c, ...valid], /end-group tag without a start/);
  undecodable([...valid, 0xa4, 0x01], /end-group tag without a start/); // field 20, end group
  undecodable([...valid, 0x0e, 1], /illegal tag/); // wire type 6
  undecodable([...valid, 0x12, 0x05, 0x41], /premature EOF/);
  undecodable([...valid, 0x18, 0xff], /premature EOF/);
});

Deno.test("`withTolerantDecoding()` still skips unknown fields and proto3 keeps the last of a repeated scalar", () => {
  const decoded = decode([
    0x08,
    5,
    0x08,
    7,
    0xf8,
    0x07,
    1,
    0x9a,
    0x06,
    1,
    0x41,
  ]) as PizzaOrderRequest;
  assert.equal(decoded.customerId, "7");
});
