/**
 * Hostile input: a generated corpus (fixed seed, so every run sends the same
 * bytes) of malformed gRPC requests, REST calls and WebSocket frames against
 * a real stack. Each case must get its specific error (status or code, and a
 * message or field violation naming the field or the reason), never INTERNAL
 * or 500; all together must write and reserve nothing (PostgreSQL, Redis
 * apart from rate-limit counters, Kafka), and every process must still be up
 * and healthy afterwards. The size limits of every entry point are probed at
 * and just past their edges. Odd input that is valid (emoji, right-to-left
 * scripts, combining marks, the int64 maximum, proto3 last-wins) is accepted
 * and stored exactly; bidirectional controls, which could disguise a name on
 * the KDS, are refused like control characters.
 *
 * intake runs with anonymous callers allowed, so that each request's bytes,
 * customer_id included, are taken as sent: the corpus probes decoding and
 * validation. Its customer-token and metadata cases are signed in, or not, as
 * each says, and show that a token sent is always checked.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Metadata } from "@grpc/grpc-js";
import { generateKeyPair, importJWK, type JWTPayload, SignJWT, UnsecuredJWT } from "jose";
import {
  OrderResponse,
  type PizzaOrderRequest,
  PizzaOrderRequest as PizzaOrderRequestCodec,
} from "../src/gen/ovenline/v1/order_service.ts";
import type { KitchenConfig } from "../src/domain/kitchen.ts";
import { Code, HealthClient, type RichError, seedExampleRequest } from "./support/grpc_client.ts";
import { TEST_AUDIENCE, TEST_ISSUER } from "./support/customer_tokens.ts";
import { testKitchen } from "./support/kitchens.ts";
import { mapLimit, processAlive, waitForOrder, waitForOrders } from "./support/observe.ts";
import {
  bytesOf,
  fieldBoundaries,
  lenField,
  RawOrderClient,
  type RawOutcome,
  tag,
  varint,
  varintField,
  WT,
} from "./support/raw_grpc.ts";
import { rawHttp, RawWebSocket } from "./support/raw_http.ts";
import { TestStack } from "./support/stack.ts";
import { stateDifferences, systemState } from "./support/state_snapshot.ts";
import { TestSocket } from "./support/ws_client.ts";

const SEED = 20_261_126;
const KIB = 1024;
const MAX_GRPC_REQUEST = 64 * KIB; // GRPC_MAX_REQUEST_BYTES default
const MAX_REST_BODY = 64 * KIB; // HTTP_MAX_BODY_BYTES default
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** fast-check values, the same on every run. */
function sample<T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] {
  return fc.sample(arb, { seed: SEED + salt, numRuns: n });
}

type Kind = "gRPC" | "REST" | "WebSocket";

interface Case {
  readonly kind: Kind;
  readonly name: string;
  /** Throws (an AssertionError) when the answer is not the expected one. */
  readonly run: () => Promise<void>;
}

// ---------------------------------------------------------------- gRPC expectations

/** Messages and violations stay short whatever the input's size. */
function assertBounded(e: RichError, what: string): void {
  assert(e.message.length <= 1_000, `${what}: message of ${e.message.length} characters`);
  for (const v of e.fieldViolations) {
    assert(v.description.length > 0 && v.description.length <= 300, `${what}: ${v.description}`);
  }
}

function failed(o: RawOutcome, what: string): RichError {
  assert(!o.ok, `${what}: the call succeeded`);
  assert.notEqual(o.error.code, Code.INTERNAL, `${what}: INTERNAL (${o.error.message})`);
  assertBounded(o.error, what);
  return o.error;
}

/** INVALID_ARGUMENT whose BadRequest names each of `fields` (exactly these, when `exact`). */
function expectInvalid(o: RawOutcome, fields: readonly string[], what: string, exact = false) {
  const e = failed(o, what);
  assert.equal(e.code, Code.INVALID_ARGUMENT, `${what}: ${Code[e.code]} ${e.message}`);
  const named = e.fieldViolations.map((v) => v.field);
  if (exact) assert.deepEqual([...named].sort(), [...fields].sort(), `${what}: ${e.message}`);
  else for (const f of fields) assert(named.includes(f), `${what}: ${f} not in ${named}`);
  return e;
}

/** INVALID_ARGUMENT: not valid protobuf, with the reason. */
function expectUndecodable(o: RawOutcome, reason: RegExp, what: string): void {
  const e = failed(o, what);
  assert.equal(e.code, Code.INVALID_ARGUMENT, `${what}: ${Code[e.code]} ${e.message}`);
  assert.match(e.message, /is not a valid protobuf message/, what);
  assert.match(e.message, reason, what);
}

/** Either of the two INVALID_ARGUMENT answers: undecodable, or decodable with named fields. */
function expectRefused(o: RawOutcome, what: string): void {
  const e = failed(o, what);
  assert.equal(e.code, Code.INVALID_ARGUMENT, `${what}: ${Code[e.code]} ${e.message}`);
  assert(
    /is not a valid protobuf message \(.+\)/.test(e.message) || e.fieldViolations.length > 0,
    `${what}: neither a protobuf error nor a field named: ${e.message}`,
  );
}

/** RESOURCE_EXHAUSTED from grpc-js's receive limit. */
function expectTooLarge(o: RawOutcome, what: string): void {
  const e = failed(o, what);
  assert.equal(e.code, Code.RESOURCE_EXHAUSTED, `${what}: ${Code[e.code]} ${e.message}`);
  assert.match(e.message, /larger than max \(\d+ vs 65536\)/, what);
}

function expectNotFound(o: RawOutcome, what: string): void {
  const e = failed(o, what);
  assert.equal(e.code, Code.NOT_FOUND, `${what}: ${Code[e.code]} ${e.message}`);
  assert.match(e.message, /^order .* not found$/s, what);
  assert(e.message.length <= 100, `${what}: the id is cut in the message (${e.message.length})`);
}

// ---------------------------------------------------------------- gRPC corpus

const encode = (req: PizzaOrderRequest) => PizzaOrderRequestCodec.encode(req).finish();

interface StringField {
  readonly name: string;
  /** The bytes that set the field to `value` (appended to a request: proto3's last one wins). */
  readonly set: (value: string | Uint8Array) => number[];
  /** Length from which the value is refused whatever it is (0: any text that is not a real value). */
  readonly limit: number;
  /** A valid value with room for a character in the middle: [before, after]. */
  readonly around: readonly [string, string];
  readonly required: boolean;
}

function stringFields(kitchenId: string): StringField[] {
  const top = (
    name: string,
    no: number,
    limit: number,
    around: [string, string],
    required = true,
  ) => ({
    name,
    set: (v: string | Uint8Array) => lenField(no, v),
    limit,
    around,
    required,
  });
  return [
    top("pizza_name", 2, 0, ["Пицца ", "Классическая"]),
    top("customer_first_name", 4, 64, ["Ив", "ан"]),
    top("customer_last_name", 5, 64, ["Ива", "нов"], false),
    top("customer_phone", 6, 0, ["+7900", "1234567"]),
    top("delivery_address", 7, 300, ["ул. Ленина,", " д. 1"]),
    top("kitchen_id", 11, 63, [kitchenId.slice(0, 3), kitchenId.slice(3)], false),
    top("idempotency_key", 13, 128, ["key-", "1"], false),
    // A repeated field: appending adds extras[0] to a request that has none.
    top("extras[0]", 9, 0, ["Двойной", " сыр"]),
    {
      name: "items[0].pizza_name",
      set: (v: string | Uint8Array) => lenField(10, [...lenField(1, v), ...varintField(2, 1)]),
      limit: 0,
      around: ["Марга", "рита"],
      required: true,
    },
  ];
}

const CONTROL_CHARACTERS = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\b",
  "\t",
  "\n",
  "\u000b",
  "\f",
  "\r",
  "\u001b",
  "\u001f",
  "\u007f",
  "\u0080",
  "\u0085",
  "\u009b",
  "\u009f",
  "\u2028",
  "\u2029",
];

/** Byte sequences that are not UTF-8 (a JS encoder cannot produce them, hence raw bytes). */
const INVALID_UTF8: Record<string, number[]> = {
  "byte 0xFF": [0xff],
  "byte 0xFE": [0xfe],
  "lone continuation byte": [0x80],
  "cut two-byte sequence": [0xd0],
  "cut three-byte sequence": [0xe2, 0x82],
  "overlong NUL": [0xc0, 0x80],
  "overlong slash": [0xc0, 0xaf],
  "overlong three-byte": [0xe0, 0x80, 0xaf],
  "overlong four-byte": [0xf0, 0x80, 0x80, 0xaf],
  "encoded high surrogate": [0xed, 0xa0, 0x80],
  "encoded low surrogate": [0xed, 0xbf, 0xbf],
  "CESU-8 surrogate pair": [0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9],
  "above U+10FFFF": [0xf4, 0x90, 0x80, 0x80],
  "five-byte form": [0xf8, 0x88, 0x80, 0x80, 0x80],
};

/** Text that shows nothing: no more a name than "". */
const BLANKS = [
  "",
  "   ",
  "\u200b",
  "\u200b\u200d\u200c",
  "\ufeff",
  "\u00a0\u3000",
  "\u2060",
  "\u00ad",
];

/** Bidirectional controls: embeddings, overrides, isolates and direction marks. */
const BIDI_CONTROLS = [
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
];

const utf8 = (s: string) => [...new TextEncoder().encode(s)];

function grpcCases(
  client: RawOrderClient,
  hostile: KitchenConfig,
  existing: { orderId: string; customerId: string },
): Case[] {
  const cases: Case[] = [];
  const add = (name: string, run: () => Promise<void>) => cases.push({ kind: "gRPC", name, run });
  const create = (bytes: Uint8Array) => client.call("CreateOrder", bytes);
  const seed = (o: Partial<PizzaOrderRequest> = {}) =>
    seedExampleRequest({ kitchenId: hostile.id, ...o });
  const BASE = encode(seed());
  const NO_CUSTOMER = encode(seed({ customerId: "0" }));

  /** Bytes for `field` = `value` on top of the valid request; the expected answer by size. */
  const overridden = (field: StringField, value: string | Uint8Array, label: string) => {
    const bytes = bytesOf(BASE, field.set(value));
    add(`CreateOrder ${field.name}: ${label}`, async () => {
      const o = await create(bytes);
      if (bytes.length > MAX_GRPC_REQUEST) expectTooLarge(o, label);
      else expectInvalid(o, [field.name], `${field.name} ${label}`, true);
    });
  };

  // Oversized, control characters, invalid UTF-8 and blanks in every text field.
  for (const field of stringFields(hostile.id)) {
    const lengths = [...new Set([Math.max(field.limit + 1, 65), 1_000, 20_000])];
    for (const ch of ["a", "я", "🍕"]) {
      for (const n of lengths) overridden(field, ch.repeat(n), `${n} × ${JSON.stringify(ch)}`);
    }
    overridden(field, "a".repeat(70_000), "70,000 ASCII characters (past the 64 KiB limit)");
    for (const c of CONTROL_CHARACTERS) {
      const value = `${field.around[0]}${c}${field.around[1]}`;
      overridden(field, value, `control character U+${c.codePointAt(0)!.toString(16)}`);
    }
    for (const c of BIDI_CONTROLS) {
      const label = `bidirectional control U+${c.codePointAt(0)!.toString(16)}`;
      const bytes = bytesOf(BASE, field.set(`${field.around[0]}${c}${field.around[1]}`));
      add(`CreateOrder ${field.name}: ${label}`, async () => {
        const e = expectInvalid(await create(bytes), [field.name], `${field.name} ${label}`, true);
        // Formats of their own (kitchen ids, idempotency keys) say what they allow instead.
        if (!["kitchen_id", "idempotency_key"].includes(field.name)) {
          assert.match(e.fieldViolations[0].description, /bidirectional control characters/);
        }
      });
    }
    for (const [label, bad] of Object.entries(INVALID_UTF8)) {
      const bytes = bytesOf(BASE, field.set(new Uint8Array([...utf8(field.around[0]), ...bad])));
      add(`CreateOrder ${field.name}: ${label}`, async () => {
        expectUndecodable(await create(bytes), /not valid UTF-8/, `${field.name} ${label}`);
      });
    }
    if (field.required) {
      for (const blank of BLANKS) {
        const bytes = bytesOf(BASE, field.set(blank));
        add(`CreateOrder ${field.name}: blank ${JSON.stringify(blank)}`, async () => {
          const e = expectInvalid(await create(bytes), [field.name], `blank ${field.name}`, true);
          assert.match(e.fieldViolations[0].description, /must not be empty/);
        });
      }
    }
  }

  // Numbers: int32 quantities and int64 customer ids out of range, as proper varints and odd ones.
  const quantities = [
    INT32_MIN,
    INT32_MIN + 1,
    -1000,
    -1,
    0,
    51,
    52,
    100,
    65_535,
    INT32_MAX,
    ...sample(
      fc.integer({ min: INT32_MIN, max: INT32_MAX }).filter((q) => q < 1 || q > 50),
      30,
      1,
    ),
  ];
  for (const q of quantities) {
    const bytes = bytesOf(BASE, varintField(3, q));
    add(`CreateOrder quantity ${q}`, async () => {
      expectInvalid(await create(bytes), ["quantity"], `quantity ${q}`, true);
    });
    const line = bytesOf(
      BASE,
      lenField(10, [...lenField(1, "Маргарита"), ...varintField(2, q)]),
    );
    if (q % 3 === 0 || Math.abs(q) < 1000) {
      add(`CreateOrder items[0].quantity ${q}`, async () => {
        expectInvalid(await create(line), ["items[0].quantity"], `items quantity ${q}`, true);
      });
    }
  }
  for (
    const [label, raw] of [
      ["-1 as a 5-byte varint", [0xff, 0xff, 0xff, 0xff, 0x0f]],
      ["2^32 (its low 32 bits are 0)", varint(2n ** 32n)],
      ["2^35 + 51 (its low 32 bits are 51)", varint(2n ** 35n + 51n)],
    ] as const
  ) {
    const bytes = bytesOf(BASE, tag(3, WT.varint), [...raw]);
    add(`CreateOrder quantity ${label}`, async () => {
      expectInvalid(await create(bytes), ["quantity"], `quantity ${label}`, true);
    });
  }
  const customerIds = [
    0n,
    -1n,
    -12_345n,
    INT64_MIN,
    2n ** 63n, // as uint64 on the wire: int64 reads INT64_MIN
    2n ** 64n - 1n, // reads as -1
    ...sample(fc.bigInt({ min: INT64_MIN, max: -1n }), 25, 2),
  ];
  for (const id of customerIds) {
    const bytes = bytesOf(BASE, varintField(1, id));
    add(`CreateOrder customer_id ${id}`, async () => {
      expectInvalid(await create(bytes), ["customer_id"], `customer_id ${id}`, true);
    });
  }
  {
    const bytes = bytesOf(NO_CUSTOMER, tag(1, WT.varint), Array(10).fill(0xff), [0x01]);
    add("CreateOrder customer_id as an 11-byte varint", async () => {
      expectUndecodable(await create(bytes), /invalid varint/, "11-byte varint");
    });
  }
  const timestamps: [string, bigint, number][] = [
    ["seconds = int64 min", INT64_MIN, 0],
    ["seconds = int64 max", INT64_MAX, 0],
    ["seconds = -1", -1n, 0],
    ["the epoch", 0n, 0],
    ["year 10000", 253_402_300_800n, 0],
    ["year 2000", 946_684_800n, 0],
    ["nanos = -1 at the epoch", 0n, -1],
    ["nanos = int32 max in 1990", 631_152_000n, INT32_MAX],
  ];
  for (const [label, seconds, nanos] of timestamps) {
    const ts = [...varintField(1, seconds), ...varintField(2, nanos)];
    const bytes = bytesOf(BASE, lenField(12, ts));
    add(`CreateOrder requested_time ${label}`, async () => {
      expectInvalid(await create(bytes), ["requested_time"], `requested_time ${label}`, true);
    });
  }

  // Missing fields: every non-empty subset of the required ones.
  const required = [
    ["customer_id", { customerId: "0" }],
    ["pizza_name", { pizzaName: "" }],
    ["quantity", { quantity: 0 }],
    ["customer_first_name", { customerFirstName: "" }],
    ["customer_phone", { customerPhone: "" }],
    ["delivery_address", { deliveryAddress: "" }],
  ] as const;
  for (let mask = 1; mask < 1 << required.length; mask++) {
    const chosen = required.filter((_, i) => mask & (1 << i));
    const names = chosen.map(([n]) => n);
    const bytes = encode(seed(Object.assign({}, ...chosen.map(([, o]) => o))));
    // Without both a pizza name and a quantity there is no line to have a bad quantity.
    const expected = names.includes("pizza_name") ? names.filter((n) => n !== "quantity") : names;
    add(`CreateOrder without ${names.join(", ")}`, async () => {
      expectInvalid(await create(bytes), expected, `without ${names}`, true);
    });
  }
  add("CreateOrder with an empty message", async () => {
    expectInvalid(
      await create(new Uint8Array()),
      [
        "customer_id",
        "pizza_name",
        "customer_first_name",
        "customer_phone",
        "delivery_address",
      ],
      "empty message",
      true,
    );
  });

  // Repeated scalar fields: proto3 keeps the last one, then validation judges it.
  const repeated: [string, Uint8Array, string][] = [
    ["quantity 2 then 0", bytesOf(BASE, varintField(3, 0)), "quantity"],
    [
      "quantity 2 a hundred times, then 51",
      bytesOf(BASE, ...Array(100).fill(varintField(3, 2)), varintField(3, 51)),
      "quantity",
    ],
    ["customer_id 5 then 0", bytesOf(BASE, varintField(1, 5), varintField(1, 0)), "customer_id"],
    [
      "first name fifty times, then a line break",
      bytesOf(BASE, ...Array(50).fill(lenField(4, "Иван")), lenField(4, "\n")),
      "customer_first_name",
    ],
    [
      "phone a thousand times, then letters",
      bytesOf(BASE, ...Array(1000).fill(lenField(6, "+79001234567")), lenField(6, "abc")),
      "customer_phone",
    ],
    [
      "a known kitchen, then an unknown one",
      bytesOf(BASE, lenField(11, hostile.id), lenField(11, "no-such-kitchen")),
      "kitchen_id",
    ],
    [
      "requested time now, then in 1970",
      bytesOf(
        BASE,
        lenField(12, varintField(1, BigInt(Math.floor(Date.now() / 1000)))),
        lenField(12, varintField(1, 1)),
      ),
      "requested_time",
    ],
    [
      "address, then an empty one",
      bytesOf(BASE, lenField(7, "ул. Ленина, д. 2"), lenField(7, "")),
      "delivery_address",
    ],
  ];
  for (const [label, bytes, field] of repeated) {
    add(`CreateOrder repeated: ${label}`, async () => {
      expectInvalid(await create(bytes), [field], label, true);
    });
  }

  // Wrong wire types. On a known field, protobuf treats it as an unknown field (skipped): the
  // field is then missing. Wire types 6 and 7 and field number 0 do not exist: undecodable.
  const wrongTypes: Record<string, number[]> = {
    varint: varint(7),
    i64: [1, 2, 3, 4, 5, 6, 7, 8],
    len: [...varint(3), 0x61, 0x62, 0x63],
    i32: [1, 2, 3, 4],
  };
  const rightType: Record<number, string> = {
    1: "varint",
    2: "len",
    3: "varint",
    4: "len",
    6: "len",
    7: "len",
  };
  for (
    const [no, field, without] of [
      [1, "customer_id", { customerId: "0" }],
      [2, "pizza_name", { pizzaName: "" }],
      [3, "quantity", { quantity: 0 }],
      [4, "customer_first_name", { customerFirstName: "" }],
      [6, "customer_phone", { customerPhone: "" }],
      [7, "delivery_address", { deliveryAddress: "" }],
    ] as const
  ) {
    const base = encode(seed(without));
    for (const [type, payload] of Object.entries(wrongTypes)) {
      if (type === rightType[no]) continue;
      const bytes = bytesOf(base, tag(no, WT[type as keyof typeof WT]), payload);
      add(`CreateOrder ${field} with wire type ${type}`, async () => {
        expectInvalid(await create(bytes), [field], `${field} as ${type}`, true);
      });
    }
    const group = bytesOf(base, tag(no, WT.sgroup), varintField(1, 5), tag(no, WT.egroup));
    add(`CreateOrder ${field} as a group`, async () => {
      expectInvalid(await create(group), [field], `${field} as a group`, true);
    });
  }
  for (let no = 1; no <= 13; no++) {
    for (const wireType of [6, 7]) {
      const bytes = bytesOf(BASE, tag(no, wireType), [1, 2, 3]);
      add(`CreateOrder field ${no} with wire type ${wireType}`, async () => {
        expectUndecodable(await create(bytes), /illegal tag/, `wire type ${wireType}`);
      });
    }
  }
  for (const wireType of [0, 1, 2, 5]) {
    const bytes = bytesOf(BASE, [wireType], [1, 1, 1, 1, 1, 1, 1, 1]);
    add(`CreateOrder field number 0, wire type ${wireType}`, async () => {
      expectUndecodable(await create(bytes), /illegal tag/, `field 0 type ${wireType}`);
    });
  }
  const structural: [string, Uint8Array, RegExp][] = [
    ["a zero byte after the fields", bytesOf(BASE, [0x00]), /illegal tag/],
    ["a zero byte first", bytesOf([0x00], BASE), /illegal tag/],
    ["an end-group tag first", bytesOf(tag(1, WT.egroup), BASE), /end-group tag without a start/],
    ["an end-group tag last", bytesOf(BASE, tag(20, WT.egroup)), /end-group tag without a start/],
    ["a group never closed", bytesOf(BASE, tag(20, WT.sgroup), varintField(1, 1)), /premature EOF/],
    [
      "a group closed by another field's end",
      bytesOf(BASE, tag(20, WT.sgroup), tag(21, WT.egroup)),
      /invalid end group tag/,
    ],
    [
      "groups nested 200 deep",
      bytesOf(BASE, ...Array(200).fill(tag(20, WT.sgroup)), ...Array(200).fill(tag(20, WT.egroup))),
      /recursion/,
    ],
    ["a field number past 2^29", bytesOf(BASE, varint((2n ** 29n) << 3n)), /varint overflows/],
    [
      "a varint that never ends",
      bytesOf(BASE, tag(3, WT.varint), Array(12).fill(0xff)),
      /invalid varint|premature EOF/,
    ],
  ];
  for (const [label, bytes, reason] of structural) {
    add(`CreateOrder ${label}`, async () => expectUndecodable(await create(bytes), reason, label));
  }
  {
    const bytes = bytesOf(NO_CUSTOMER, varintField(2 ** 29 - 1, 5), lenField(99, "unknown"));
    add("CreateOrder unknown fields (highest field number) are skipped", async () => {
      expectInvalid(await create(bytes), ["customer_id"], "unknown fields", true);
    });
  }

  // Length prefixes that point past the end of the message.
  for (const no of [2, 4, 5, 6, 7, 9, 10, 11, 12, 13]) {
    for (
      const [label, prefix] of [
        ["one byte too long", varint(4)],
        ["2^31 bytes", varint(2 ** 31)],
        ["2^32 - 1 bytes", varint(2 ** 32 - 1)],
        ["a cut length varint", [0x80]],
      ] as [string, number[]][]
    ) {
      const bytes = bytesOf(
        BASE,
        tag(no, WT.len),
        prefix,
        label === "one byte too long" ? [1, 2, 3] : [],
      );
      add(`CreateOrder field ${no}: length ${label}`, async () => {
        expectUndecodable(
          await create(bytes),
          /premature EOF|invalid varint/,
          `field ${no} ${label}`,
        );
      });
    }
  }
  for (
    const [label, bytes] of [
      [
        "an order line whose name overruns it",
        bytesOf(BASE, lenField(10, [...tag(1, WT.len), 50, 0x61])),
      ],
      ["a timestamp with a cut varint", bytesOf(BASE, lenField(12, [...tag(1, WT.varint), 0xff]))],
      ["an order line with wire type 7 inside", bytesOf(BASE, lenField(10, [...tag(1, 7), 1]))],
    ] as const
  ) {
    add(`CreateOrder ${label}`, async () => expectRefused(await create(bytes), label));
  }

  // Every prefix of a request: cut between fields it decodes (and misses customer_id, which the
  // request never had); cut inside a field it is not protobuf.
  const RICH = encode(seed({
    customerId: "0",
    extras: ["Двойной сыр"],
    items: [{ pizzaName: "Маргарита", quantity: 1, extras: ["Бекон"] }],
    requestedTime: new Date(Date.now() + 3_600_000),
    idempotencyKey: "hostile-prefix-1",
  }));
  const boundaries = fieldBoundaries(RICH);
  for (let n = 1; n < RICH.length; n++) {
    const prefix = RICH.slice(0, n);
    add(`CreateOrder cut to ${n} of ${RICH.length} bytes`, async () => {
      const o = await create(prefix);
      if (boundaries.has(n)) expectInvalid(o, ["customer_id"], `prefix ${n}`);
      else expectUndecodable(o, /premature EOF|invalid varint/, `prefix ${n}`);
    });
  }

  // Random bytes, and random damage to a request that lacks customer_id.
  for (
    const [i, bytes] of sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), 120, 3).entries()
  ) {
    add(`CreateOrder random bytes #${i} (${bytes.length} bytes)`, async () => {
      expectRefused(await create(bytes), `random #${i}`);
    });
  }
  const damage = fc.array(
    fc.tuple(fc.nat({ max: RICH.length - 1 }), fc.integer({ min: 0, max: 255 })),
    { minLength: 1, maxLength: 4 },
  );
  for (const [i, edits] of sample(damage, 100, 4).entries()) {
    const bytes = RICH.slice();
    for (const [at, value] of edits) bytes[at] = value;
    add(`CreateOrder damaged request #${i}`, async () => {
      expectRefused(await create(bytes), `damaged #${i} ${JSON.stringify(edits)}`);
    });
  }
  for (
    const [i, [at, bit]] of sample(
      fc.tuple(fc.nat({ max: RICH.length - 1 }), fc.nat({ max: 7 })),
      60,
      5,
    ).entries()
  ) {
    const bytes = RICH.slice();
    bytes[at] ^= 1 << bit;
    add(`CreateOrder bit flip #${i} (byte ${at}, bit ${bit})`, async () => {
      expectRefused(await create(bytes), `bit flip #${i}`);
    });
  }

  // Size: the 64 KiB receive limit is inclusive.
  const padTo = (base: Uint8Array, total: number) => {
    // field 15 (unknown, length-delimited): tag 1 byte + 3-byte length + padding
    const padding = total - base.length - 1 - 3;
    const len = [0x80 | (padding & 0x7f), 0x80 | ((padding >> 7) & 0x7f), padding >> 14];
    return bytesOf(base, tag(15, WT.len), len, new Uint8Array(padding));
  };
  const exactly = padTo(NO_CUSTOMER, MAX_GRPC_REQUEST);
  assert.equal(exactly.length, MAX_GRPC_REQUEST);
  add("CreateOrder of exactly 64 KiB passes the size limit", async () => {
    expectInvalid(await create(exactly), ["customer_id"], "64 KiB", true);
  });
  for (
    const [label, bytes] of [
      ["64 KiB + 1 byte", padTo(NO_CUSTOMER, MAX_GRPC_REQUEST + 1)],
      ["1 MiB", padTo(NO_CUSTOMER, 1 << 20)],
      ["4 MiB", padTo(NO_CUSTOMER, 4 << 20)],
      ["10,000 extras", bytesOf(BASE, ...Array(10_000).fill(lenField(9, "Бекон")))],
      [
        "5,000 order lines",
        bytesOf(BASE, ...Array(5_000).fill(lenField(10, lenField(1, "Маргарита")))),
      ],
    ] as const
  ) {
    add(`CreateOrder of ${label}`, async () => expectTooLarge(await create(bytes), label));
  }

  // GetOrder, WatchOrder and CancelOrder with odd order ids.
  const ids: [string, string][] = [
    ["empty", ""],
    ["not a UUID", "not-a-uuid"],
    ["a random UUID", crypto.randomUUID()],
    ["another random UUID", crypto.randomUUID()],
    ["path traversal", "../../../etc/passwd"],
    ["SQL", "' OR '1'='1"],
    ["percent-encoded NUL", "%00"],
    ["control characters", "\u0000\n\u001b[31m"],
    ["Cyrillic and emoji", "заказ-🍕"],
    ["right-to-left override", "\u202eedcba"],
    ["1,000 characters", "a".repeat(1_000)],
    ["60,000 characters", "a".repeat(60_000)],
    ["an order id with a NUL", `${existing.orderId}\u0000`],
  ];
  for (const [label, id] of ids) {
    for (const method of ["GetOrder", "WatchOrder", "CancelOrder"] as const) {
      const bytes = method === "CancelOrder"
        ? bytesOf(lenField(1, id), varintField(2, BigInt(existing.customerId)))
        : bytesOf(lenField(1, id));
      add(`${method} order id: ${label}`, async () => {
        expectNotFound(await client.call(method, bytes), `${method} ${label}`);
      });
    }
  }
  for (const method of ["GetOrder", "WatchOrder", "CancelOrder"] as const) {
    const big = bytesOf(lenField(1, "a".repeat(70_000)));
    add(`${method} with a 70,000-character order id`, async () => {
      expectTooLarge(await client.call(method, big), `${method} 70k`);
    });
    for (const label of ["byte 0xFF", "overlong NUL", "encoded high surrogate"]) {
      const bytes = bytesOf(lenField(1, new Uint8Array([0x61, ...INVALID_UTF8[label]])));
      add(`${method} order id: ${label}`, async () => {
        expectUndecodable(
          await client.call(method, bytes),
          /not valid UTF-8/,
          `${method} ${label}`,
        );
      });
    }
    add(`${method} with bytes that are not protobuf`, async () => {
      expectUndecodable(
        await client.call(method, new Uint8Array([0x0a, 0x7f, 0x61])),
        /premature EOF/,
        method,
      );
    });
  }
  // Somebody else's order: not found, whoever the caller claims to be.
  for (const customer of [0n, -1n, 1n, BigInt(existing.customerId) + 1n, INT64_MAX, INT64_MIN]) {
    const bytes = bytesOf(lenField(1, existing.orderId), varintField(2, customer));
    add(`CancelOrder of another customer's order as customer ${customer}`, async () => {
      expectNotFound(await client.call("CancelOrder", bytes), `cancel as ${customer}`);
    });
  }
  // The customer's own order with a reason PostgreSQL could not store or a screen not show.
  for (
    const [label, reason] of [
      ["a NUL", "a\u0000b"],
      ["a line break", "changed\nmind"],
      ["an escape sequence", "\u001b[2J"],
      ["201 characters", "x".repeat(201)],
      ["60,000 characters", "x".repeat(60_000)],
      ["a line separator", "a\u2028b"],
      ["a right-to-left override", "\u202eyas ecnis dnim ym degnahc"],
      ["a direction isolate", "a\u2067b\u2069"],
    ]
  ) {
    const bytes = bytesOf(
      lenField(1, existing.orderId),
      varintField(2, BigInt(existing.customerId)),
      lenField(3, reason),
    );
    add(`CancelOrder reason with ${label}`, async () => {
      expectInvalid(await client.call("CancelOrder", bytes), ["reason"], `reason ${label}`, true);
    });
  }
  {
    const bytes = bytesOf(
      lenField(1, existing.orderId),
      varintField(2, BigInt(existing.customerId)),
      lenField(3, new Uint8Array([0xc0, 0x80])),
    );
    add("CancelOrder reason with an overlong NUL", async () => {
      expectUndecodable(
        await client.call("CancelOrder", bytes),
        /not valid UTF-8/,
        "reason overlong",
      );
    });
  }
  return cases;
}

// ---------------------------------------------------------------- REST corpus

interface RestAnswer {
  readonly status: number;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

function restCases(
  stack: TestStack,
  hostile: KitchenConfig,
  existingOrderId: string,
  menu: { pizza: string; extra: string },
): Case[] {
  const cases: Case[] = [];
  const api = `${stack.hubUrl}/api/v1/erp`;
  const add = (name: string, run: () => Promise<void>) => cases.push({ kind: "REST", name, run });
  const call = async (
    method: string,
    path: string,
    body?: BodyInit,
    contentType: string | null = "application/json",
  ): Promise<RestAnswer> => {
    const headers: Record<string, string> = contentType === null
      ? {}
      : { "content-type": contentType };
    const res = await stack.hubFetch(`${api}${path}`, { method, body, headers });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON: kept as text */ }
    return { status: res.status, body: parsed };
  };
  /** A specific 4xx: the status, the error code, a message, and (when given) the field named. */
  const expectError = (
    a: RestAnswer,
    status: number,
    code: string,
    what: string,
    field?: (name: string) => boolean,
    message?: RegExp,
  ) => {
    assert.notEqual(a.status, 500, `${what}: 500 ${JSON.stringify(a.body)}`);
    assert.equal(a.status, status, `${what}: ${JSON.stringify(a.body).slice(0, 300)}`);
    assert.equal(a.body?.error?.code, code, `${what}: ${JSON.stringify(a.body).slice(0, 300)}`);
    assert(typeof a.body.error.message === "string" && a.body.error.message.length > 5, what);
    assert(
      a.body.error.message.length <= 300,
      `${what}: message of ${a.body.error.message.length}`,
    );
    if (message) assert.match(a.body.error.message, message, what);
    if (field) {
      const fields: { field: string; reason: string }[] = a.body.error.fields ?? [];
      assert(
        fields.some((f) => field(f.field) && f.reason.length > 0),
        `${what}: no matching field in ${JSON.stringify(fields)}`,
      );
    }
  };
  const named = (name: string) => (f: string) =>
    f === name || f.startsWith(`${name}.`) || f.startsWith(`${name}[`);

  const statusPath = `/orders/${existingOrderId}/status`;
  const cancelPath = `/orders/${existingOrderId}/cancel`;
  const bodyEndpoints: [string, string, string][] = [
    ["PUT status", "PUT", statusPath],
    ["POST cancel", "POST", cancelPath],
    ["PUT kitchen", "PUT", `/kitchens/${hostile.id}`],
    ["PUT pizza", "PUT", `/menu/pizzas/${menu.pizza}`],
    ["PUT extra", "PUT", `/menu/extras/${menu.extra}`],
  ];

  // Bodies that are not JSON, and JSON that is not an object, on every endpoint that takes one.
  const badJson = [
    " ",
    "{",
    "}",
    "[",
    '{"status":',
    '{"status":"preparing"',
    '{status:"preparing"}',
    "{'status':'preparing'}",
    '{"status":"preparing",}',
    '{"status":NaN}',
    '{"status":undefined}',
    '{"status":Infinity}',
    '{"status":01}',
    '{"status":.5}',
    "nul",
    "tru",
    '"unterminated',
    '{"a":1}{"b":2}',
    '{"status":"preparing"} trailing',
    "\u0000",
    "<status>preparing</status>",
    "status=preparing",
    "[1,2,]",
    "{,}",
    '{"":}',
    ...sample(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      15,
      6,
    ),
  ];
  const notObjects = [
    "null",
    "true",
    "false",
    "0",
    "-1.5e308",
    '"preparing"',
    "[]",
    '["preparing"]',
    '[{"status":"preparing"}]',
    "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
  ];
  for (const [label, method, path] of bodyEndpoints) {
    for (const text of badJson) {
      add(`${label} with body ${JSON.stringify(text).slice(0, 40)}`, async () => {
        expectError(
          await call(method, path, text),
          400,
          "invalid",
          `${label} ${text}`,
          undefined,
          /not valid JSON/,
        );
      });
    }
    for (const text of notObjects) {
      add(`${label} with JSON ${text.slice(0, 30)}`, async () => {
        expectError(
          await call(method, path, text),
          400,
          "invalid",
          `${label} ${text}`,
          undefined,
          /must be a JSON object/,
        );
      });
    }
  }

  // Wrong content types, with a body that would otherwise be accepted.
  const validBodies: Record<string, string> = {
    "PUT status": '{"status":"preparing"}',
    "POST cancel": "{}",
    "PUT kitchen": JSON.stringify({ ...hostile, id: undefined }),
    "PUT pizza": '{"available":true}',
    "PUT extra": '{"available":true}',
  };
  const contentTypes = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "text/json",
    "application/octet-stream",
    "json",
    "application/jso",
    null, // none at all
  ];
  for (const [label, method, path] of bodyEndpoints) {
    for (const type of contentTypes) {
      const body = new TextEncoder().encode(validBodies[label]);
      add(`${label} with content type ${type ?? "(none)"}`, async () => {
        expectError(
          await call(method, path, body, type),
          400,
          "invalid",
          `${label} ${type}`,
          undefined,
          /Content-Type: application\/json/,
        );
      });
    }
  }

  // PUT /orders/{id}/status: the status and the reason of every wrong type and value.
  const badStatuses: unknown[] = [
    1,
    0,
    -1,
    true,
    false,
    null,
    [],
    ["preparing"],
    {},
    { status: "preparing" },
    "",
    "baked",
    "preparing\u0000",
    "pre paring",
    "готовится",
    "\ud800",
    "x".repeat(10_000),
    "PENDING_CONFIRMATION",
  ];
  for (const status of badStatuses) {
    add(`PUT status with status ${JSON.stringify(status).slice(0, 30)}`, async () => {
      expectError(
        await call("PUT", statusPath, JSON.stringify({ status })),
        400,
        "invalid",
        `status ${status}`,
        named("status"),
      );
    });
  }
  for (const body of [{}, { reason: "x" }, { Status: "preparing" }, { state: "preparing" }]) {
    add(`PUT status without a status: ${JSON.stringify(body)}`, async () => {
      expectError(
        await call("PUT", statusPath, JSON.stringify(body)),
        400,
        "invalid",
        "no status",
        named("status"),
      );
    });
  }
  const badReasons: unknown[] = [
    42,
    true,
    [],
    {},
    ["x"],
    "x".repeat(201),
    "a\u0000b",
    "line\nbreak",
    "\u001b[2J",
    "a\u2028b",
  ];
  for (const reason of badReasons) {
    for (
      const [label, method, path, extra] of [
        ["PUT status", "PUT", statusPath, { status: "preparing" }],
        ["POST cancel", "POST", cancelPath, {}],
      ] as const
    ) {
      add(`${label} with reason ${JSON.stringify(reason).slice(0, 30)}`, async () => {
        expectError(
          await call(method, path, JSON.stringify({ ...extra, reason })),
          400,
          "invalid",
          `${label} reason ${JSON.stringify(reason)}`,
          named("reason"),
        );
      });
    }
  }

  // Odd order ids, on each order endpoint.
  const uuid = crypto.randomUUID();
  const oddIds = [
    "12345",
    "not-a-uuid",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f",
    "..%5c..%5cwindows",
    "%00",
    "%FF",
    "%E0%A4%A",
    encodeURIComponent("заказ-🍕"),
    encodeURIComponent("\u202eevil"),
    "a".repeat(10_000),
    "a".repeat(15_000), // the longest request head the hub's HTTP server takes is 16 KiB
    `${uuid}0`,
    uuid.slice(0, -1),
    encodeURIComponent(`{${uuid}}`),
    uuid.replace(/-/g, ""),
    encodeURIComponent("' OR 1=1 --"),
    encodeURIComponent("<script>alert(1)</script>"),
    "%20",
    "%0d%0aX-Injected:%201",
    `${uuid}%00`,
  ];
  for (const id of oddIds) {
    for (
      const [method, suffix, body] of [
        ["GET", "", undefined],
        ["PUT", "/status", '{"status":"preparing"}'],
        ["POST", "/cancel", "{}"],
      ] as const
    ) {
      add(`${method} /orders/${id.slice(0, 30)}${suffix}`, async () => {
        expectError(
          await call(method, `/orders/${id}${suffix}`, body),
          400,
          "invalid",
          `${method} ${id.slice(0, 30)}`,
          named("id"),
        );
      });
    }
  }
  for (let i = 0; i < 3; i++) {
    const unknown = crypto.randomUUID();
    for (
      const [method, suffix, body] of [
        ["GET", "", undefined],
        ["PUT", "/status", '{"status":"preparing"}'],
        ["POST", "/cancel", "{}"],
      ] as const
    ) {
      add(`${method} an unknown order ${suffix}`, async () => {
        expectError(
          await call(method, `/orders/${unknown}${suffix}`, body),
          404,
          "not_found",
          `${method} unknown`,
          undefined,
          new RegExp(unknown),
        );
      });
    }
  }
  for (
    const path of [
      "/orders/../../etc/passwd",
      "/orders//status",
      "/orders/a/b/c",
      "/kitchens/a/b",
      "/menu/desserts/x",
      "/%2e%2e/%2e%2e/etc/passwd",
    ]
  ) {
    add(`GET ${path}`, async () => {
      expectError(await call("GET", path), 404, "not_found", path);
    });
  }

  // Kitchens: unknown ids, and every field of the configuration with wrong types and values.
  const oddKitchens = [
    "no-such",
    "%00",
    "..%2F..%2Fetc",
    encodeURIComponent("кухня"),
    "a".repeat(10_000),
    hostile.id.toUpperCase(),
    "%FF",
    `${hostile.id}%20`,
  ];
  for (const id of oddKitchens) {
    add(`GET /kitchens/${id.slice(0, 30)}`, async () => {
      expectError(
        await call("GET", `/kitchens/${id}`),
        404,
        "not_found",
        `kitchen ${id.slice(0, 30)}`,
      );
    });
    add(`PUT /kitchens/${id.slice(0, 30)}`, async () => {
      expectError(
        await call("PUT", `/kitchens/${id}`, validBodies["PUT kitchen"]),
        404,
        "not_found",
        `put kitchen ${id.slice(0, 30)}`,
      );
    });
  }
  const wrongKitchenValues: Record<string, unknown[]> = {
    displayName: [null, 5, true, [], {}, "", "   ", "a\u0000b", "x".repeat(101), "a\u2028b"],
    timeZone: [
      null,
      5,
      "",
      "Mars/Olympus",
      "+03:00",
      "UTC+3",
      "../etc/passwd",
      "Europe/Moscow\u0000",
      [],
      {},
    ],
    hours: [
      null,
      [],
      "24/7",
      5,
      { mon: "10-23" },
      { funday: [] },
      { mon: [{ open: "25:00", close: "23:00" }] },
      { mon: [{ open: "10:00" }] },
      { mon: [{}] },
      { mon: [1] },
      { mon: [{ open: "10:00", close: "10:05" }] },
      { mon: Array.from({ length: 7 }, (_, i) => ({ open: `0${i}:00`, close: `0${i}:30` })) },
      { mon: [{ open: "10:00", close: "14:00" }, { open: "13:00", close: "15:00" }] },
    ],
    slotMinutes: [null, "15", 4, 241, 15.5, -15, 1e9, true, []],
    leadMinutes: [null, "30", -1, 721, 0.5],
    capacity: [null, "100", 0, -1, 1.5, 2 ** 53, 1e308, true],
    capacityUnit: [null, "kg", "", 5, "VALUE"],
    bookingHorizonDays: [null, -1, 31, 1.5, "0"],
    stations: [null, [], "pizza", [""], ["Pizza"], ["a b"], ["x".repeat(33)], [1], [
      "pizza",
      "pizza",
    ], Array.from({ length: 21 }, (_, i) => `s${i}`)],
    acceptingOrders: [null, "true", 1, 0, []],
  };
  for (const [field, values] of Object.entries(wrongKitchenValues)) {
    for (const value of values) {
      const body = JSON.stringify({ ...hostile, id: undefined, [field]: value });
      add(`PUT kitchen ${field} = ${JSON.stringify(value).slice(0, 40)}`, async () => {
        expectError(
          await call("PUT", `/kitchens/${hostile.id}`, body),
          400,
          "invalid",
          `kitchen ${field} ${JSON.stringify(value).slice(0, 40)}`,
          named(field),
        );
      });
    }
    add(`PUT kitchen without ${field}`, async () => {
      const body = JSON.stringify({ ...hostile, id: undefined, [field]: undefined });
      expectError(
        await call("PUT", `/kitchens/${hostile.id}`, body),
        400,
        "invalid",
        `kitchen without ${field}`,
        named(field),
      );
    });
  }

  // Menu: prices and availability of every wrong type, and unknown codes.
  const wrongMenu: [string, Record<string, unknown>, string][] = [
    ...["100", 0, -1, 1.5, 2 ** 53 - 1, 2 ** 53, 1e308, null, true, [], {}, "", 100_000_001].map((
      v,
    ) =>
      [`priceKopecks ${JSON.stringify(v)}`, { priceKopecks: v }, "priceKopecks"] as [
        string,
        Record<string, unknown>,
        string,
      ]
    ),
    ...["false", 0, 1, null, [], {}, "true", "yes"].map((v) =>
      [`available ${JSON.stringify(v)}`, { available: v }, "available"] as [
        string,
        Record<string, unknown>,
        string,
      ]
    ),
    ["both wrong", { priceKopecks: -5, available: "no" }, "available"],
    ["neither", {}, "priceKopecks"],
    ["unknown fields only", { price: 100, inStock: true }, "priceKopecks"],
  ];
  for (const [segment, code] of [["pizzas", menu.pizza], ["extras", menu.extra]]) {
    for (const [label, body, field] of wrongMenu) {
      add(`PUT ${segment} ${label}`, async () => {
        expectError(
          await call("PUT", `/menu/${segment}/${code}`, JSON.stringify(body)),
          400,
          "invalid",
          `${segment} ${label}`,
          named(field),
        );
      });
    }
    for (
      const odd of [
        "no-such",
        "%00",
        "..%2F..",
        encodeURIComponent("Маргарита"),
        "a".repeat(10_000),
        "%FF",
        code.toUpperCase(),
      ]
    ) {
      add(`PUT ${segment}/${odd.slice(0, 30)}`, async () => {
        expectError(
          await call("PUT", `/menu/${segment}/${odd}`, '{"available":true}'),
          404,
          "not_found",
          `${segment} ${odd.slice(0, 30)}`,
        );
      });
    }
  }

  // Slots: dates that are not YYYY-MM-DD, and unknown kitchens.
  for (
    const date of [
      "2026-13-01",
      "2026-02-30",
      "yesterday",
      "2026-1-1",
      "2026-01-01T00:00",
      "+275760-09-13",
      "-000001-01-01",
      "%00",
      "2026-01-01' OR 1=1",
      "x".repeat(5_000),
    ]
  ) {
    add(`GET /slots?date=${date.slice(0, 30)}`, async () => {
      expectError(
        await call("GET", `/slots?kitchen=${hostile.id}&date=${encodeURIComponent(date)}`),
        400,
        "invalid",
        `date ${date.slice(0, 30)}`,
        named("date"),
      );
    });
  }
  for (const kitchen of ["no-such", "кухня", "x".repeat(5_000), "%00"]) {
    add(`GET /slots?kitchen=${kitchen.slice(0, 30)}`, async () => {
      expectError(
        await call("GET", `/slots?kitchen=${encodeURIComponent(kitchen)}`),
        404,
        "not_found",
        `slots ${kitchen.slice(0, 30)}`,
      );
    });
  }

  // Bodies past HTTP_MAX_BODY_BYTES: with a Content-Length and chunked (no length given).
  const chunked = (bytes: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < bytes; sent += 16 * KIB) {
          controller.enqueue(new Uint8Array(Math.min(16 * KIB, bytes - sent)).fill(0x20));
        }
        controller.close();
      },
    });
  for (const [label, method, path] of bodyEndpoints) {
    for (
      const [size, how] of [
        [MAX_REST_BODY + 1, "length"],
        [1 << 20, "length"],
        [10 << 20, "length"],
        [100 * KIB, "chunked"],
        [2 << 20, "chunked"],
      ] as const
    ) {
      add(`${label} with a ${size}-byte body (${how})`, async () => {
        const body = how === "length" ? " ".repeat(size) : chunked(size);
        expectError(
          await call(method, path, body),
          413,
          "too_large",
          `${label} ${size}`,
          undefined,
          /at most 65536 bytes/,
        );
      });
    }
    add(`${label} with a body of exactly 64 KiB`, async () => {
      const json = '{"status":5,"priceKopecks":-1,"displayName":5,"reason":5}';
      const body = json + " ".repeat(MAX_REST_BODY - json.length);
      assert.equal(body.length, MAX_REST_BODY);
      const a = await call(method, path, body);
      assert.equal(a.status, 400, `${label} 64 KiB: ${JSON.stringify(a.body).slice(0, 200)}`);
    });
  }
  return cases;
}

// ---------------------------------------------------------------- WebSocket corpus

interface FrameCase {
  readonly name: string;
  readonly data: string | Uint8Array;
  /** The answer expected: an error naming the reason, or a pong. */
  readonly answer: RegExp | "pong";
}

function frameCases(): FrameCase[] {
  const cases: FrameCase[] = [];
  const notJson = [
    "ping",
    "{",
    "{type:'ping'}",
    "{'type':'ping'}",
    '{"type":"ping"',
    "\u0000",
    "",
    " ",
    "<ping/>",
    ...sample(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      40,
      7,
    ),
  ];
  for (const text of notJson) {
    cases.push({
      name: `text ${JSON.stringify(text).slice(0, 30)}`,
      data: text,
      answer: /not valid JSON/,
    });
  }
  const otherTypes = [
    "null",
    "5",
    '"ping"',
    "[]",
    '["ping"]',
    "{}",
    '{"type":5}',
    '{"type":null}',
    '{"type":"PING"}',
    '{"type":" ping"}',
    '{"type":"subscribe","kitchen":"main"}',
    '{"type":"order.status_changed","order":{"id":"x","status":"ready"}}',
    `{"type":"${"x".repeat(500)}"}`,
    '{"type":["ping"]}',
    '{"type":{"ping":true}}',
    ...sample(
      fc.json({ maxDepth: 2 }).filter((t) => {
        const v = JSON.parse(t);
        return v?.type !== "ping" && t.length <= 1024;
      }),
      40,
      8,
    ),
  ];
  for (const text of otherTypes) {
    cases.push({
      name: `JSON ${text.slice(0, 30)}`,
      data: text,
      answer: /unknown message type .*only "ping" and "auth" are accepted/,
    });
  }
  for (const size of [0, 1, 100, 1024, 2_000, 60_000]) {
    cases.push({
      name: `a binary frame of ${size} bytes`,
      data: new Uint8Array(size).fill(7),
      answer: /JSON text of at most 1 KiB/,
    });
  }
  for (const size of [1025, 2_000, 30_000, 65_536]) {
    cases.push({
      name: `text of ${size} characters`,
      data: "x".repeat(size),
      answer: /JSON text of at most 1 KiB/,
    });
  }
  cases.push({
    name: "a ping padded past 1 KiB",
    data: `{"type":"ping"}${" ".repeat(1100)}`,
    answer: /JSON text of at most 1 KiB/,
  });
  for (
    const text of [
      '{"type":"ping"}',
      ' {"type" : "ping"} ',
      '{"type":"ping","extra":[1,2,3]}',
      '{"type":"ping","type2":"pong"}',
    ]
  ) {
    cases.push({ name: `valid ${text}`, data: text, answer: "pong" });
  }
  return cases;
}

// ---------------------------------------------------------------- customer tokens and metadata

/**
 * Who the caller is, forged or malformed: each call is UNAUTHENTICATED (or PERMISSION_DENIED when
 * it names a customer it may not) with the reason, whatever the body, anonymous mode or not.
 */
function authCases(client: RawOrderClient, stack: TestStack, hostile: KitchenConfig): Case[] {
  const cases: Case[] = [];
  const identity = stack.customers!;
  const add = (name: string, run: () => Promise<void>) => cases.push({ kind: "gRPC", name, run });
  const body = encode(seedExampleRequest({ kitchenId: hostile.id })); // customer 12345
  const nowS = Math.floor(Date.now() / 1000);
  const metadata = (entries: [string, string][]) => {
    const m = new Metadata();
    for (const [k, v] of entries) m.add(k, v);
    return m;
  };
  const refused = (o: RawOutcome, code: Code, reason: RegExp, what: string) => {
    const e = failed(o, what);
    assert.equal(e.code, code, `${what}: ${Code[e.code]} ${e.message}`);
    assert.match(e.message, reason, what);
  };
  const chainKey = () => importJWK(identity.privateJwk, "ES256");
  /** A token signed with the chain's own key, with these claims instead of a proper set. */
  const signed = async (claims: JWTPayload, kid = "test-1") =>
    await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(await chainKey());
  const proper = { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: "12345", iat: nowS, exp: nowS + 600 };

  const headers: [string, string, RegExp][] = [
    ["Bearer without a token", "Bearer", /must be "Bearer <customer token>"/],
    ["Bearer and spaces", "Bearer    ", /must be "Bearer <customer token>"/],
    ["Basic credentials", "Basic dXNlcjpwYXNz", /must be "Bearer <customer token>"/],
    ["two tokens", "Bearer a.b.c d.e.f", /must be "Bearer <customer token>"/],
    ["not a JWT", "Bearer not-a-jwt", /not a well-formed signed JWT/],
    ["three empty parts", "Bearer ..", /not a well-formed signed JWT/],
    ["parts that are not base64url", "Bearer %%%.###.$$$", /not a well-formed signed JWT/],
    ["a header of JSON null", "Bearer bnVsbA.e30.x", /not a well-formed signed JWT/],
    ["9,000 characters", `Bearer ${"a".repeat(9_000)}`, /longer than 8192 characters/],
  ];
  for (const [label, value, reason] of headers) {
    add(`CreateOrder authorization: ${label}`, async () => {
      const o = await client.call("CreateOrder", body, metadata([["authorization", value]]));
      refused(o, Code.UNAUTHENTICATED, reason, label);
    });
  }

  const tokens: [string, () => Promise<string>, RegExp][] = [
    ["unsigned (alg none)", () =>
      Promise.resolve(
        new UnsecuredJWT({ ...proper }).encode(),
      ), /algorithm is not accepted|not a well-formed/],
    ["signed by another key under the chain's kid", async () => {
      const { privateKey } = await generateKeyPair("ES256");
      return await new SignJWT(proper).setProtectedHeader({ alg: "ES256", kid: "test-1" })
        .sign(privateKey);
    }, /signature does not verify/],
    ["an unknown kid", () => signed(proper, "no-such-key"), /no key of the chain's key set/],
    [
      "HS256 with the public key as secret",
      async () =>
        await new SignJWT(proper).setProtectedHeader({ alg: "HS256", kid: "test-1" }).sign(
          new TextEncoder().encode(JSON.stringify(identity.privateJwk)),
        ),
      /algorithm is not accepted/,
    ],
    ["expired", () => signed({ ...proper, iat: nowS - 7200, exp: nowS - 3600 }), /expired/],
    ["without exp", () => signed({ ...proper, exp: undefined }), /"exp" claim/],
    ["not valid yet", () => signed({ ...proper, nbf: nowS + 3600 }), /"nbf" claim/],
    ["another issuer", () => signed({ ...proper, iss: "https://evil.example" }), /"iss" claim/],
    ["another audience", () => signed({ ...proper, aud: "another-app" }), /"aud" claim/],
    ["ten years long", () => signed({ ...proper, exp: nowS + 10 * 365 * 86_400 }), /lives longer/],
    ["without a subject", () => signed({ ...proper, sub: undefined }), /"sub" claim must be/],
    ["subject 0", () => signed({ ...proper, sub: "0" }), /"sub" claim must be/],
    ["subject -1", () => signed({ ...proper, sub: "-1" }), /"sub" claim must be/],
    ["subject past int64", () => signed({ ...proper, sub: "9223372036854775808" }), /"sub" claim/],
    ["subject a name", () => signed({ ...proper, sub: "admin" }), /"sub" claim must be/],
    ["subject 1e30", () => signed({ ...proper, sub: 1e30 as unknown as string }), /"sub" claim/],
  ];
  for (const [label, make, reason] of tokens) {
    for (const method of ["CreateOrder", "GetOrder", "WatchOrder", "CancelOrder"] as const) {
      add(`${method} with a token ${label}`, async () => {
        const bytes = method === "CreateOrder" ? body : bytesOf(lenField(1, crypto.randomUUID()));
        const o = await client.call(
          method,
          bytes,
          metadata([["authorization", `Bearer ${await make()}`]]),
        );
        refused(o, Code.UNAUTHENTICATED, reason, `${method} ${label}`);
      });
    }
  }

  // A real token with a body that names somebody else, or a customer named in metadata by a
  // caller that is no trusted backend-for-frontend.
  for (const other of ["777", "1", INT64_MAX.toString()]) {
    add(`CreateOrder signed in as 12345 for customer_id ${other}`, async () => {
      const bytes = bytesOf(body, varintField(1, BigInt(other)));
      const auth = metadata([["authorization", `Bearer ${await identity.token("12345")}`]]);
      refused(
        await client.call("CreateOrder", bytes, auth),
        Code.PERMISSION_DENIED,
        new RegExp(`customer_id ${other.slice(0, 24)}.* is not the authenticated customer`),
        `body ${other}`,
      );
    });
  }
  for (const vouched of ["12345", "0", "abc", "1".repeat(100), "' OR 1=1"]) {
    add(
      `CreateOrder with customer-id metadata ${JSON.stringify(vouched.slice(0, 20))}`,
      async () => {
        refused(
          await client.call("CreateOrder", body, metadata([["customer-id", vouched]])),
          Code.PERMISSION_DENIED,
          /only a trusted backend-for-frontend may name the customer/,
          `customer-id ${vouched}`,
        );
      },
    );
  }
  return cases;
}

// ---------------------------------------------------------------- the test

Deno.test("hostile input: every malformed request gets its specific error, writes nothing and crashes nothing", async (t) => {
  const started = performance.now();
  const main = testKitchen(); // the default kitchen
  const hostile = testKitchen();
  const stack = await TestStack.start("hostile_input", {
    kitchens: [main, hostile],
    services: ["consumer", "intake", "hub"],
    env: { ALLOW_ANONYMOUS_CUSTOMERS: "true" },
  });
  const client = new RawOrderClient(`127.0.0.1:${stack.ports.grpc}`);
  const counts: Record<Kind, number> = { gRPC: 0, REST: 0, WebSocket: 0 };
  const failures: string[] = [];
  const runAll = async (cases: readonly Case[], concurrency: number) => {
    await mapLimit(cases, concurrency, async (c) => {
      counts[c.kind]++;
      try {
        await c.run();
      } catch (error) {
        failures.push(`${c.kind} ${c.name}: ${(error as Error).message.slice(0, 400)}`);
      }
    });
  };
  /** Fails the step with the cases that failed in it (and forgets them for the next step). */
  const assertNoFailures = (what: string) => {
    const failed = failures.splice(0);
    assert.equal(
      failed.length,
      0,
      `${failed.length} ${what} cases failed:\n${failed.slice(0, 25).join("\n")}`,
    );
  };

  try {
    // A real order to aim cancellations and status changes at, recorded before the baseline.
    const existing = { customerId: "777", orderId: "" };
    existing.orderId = (await stack.api.createOrder(
      seedExampleRequest({ kitchenId: hostile.id, customerId: existing.customerId }),
    )).orderId;
    await waitForOrder(stack, existing.orderId);
    const menu = await (await stack.hubFetch(`${stack.hubUrl}/api/v1/erp/menu`)).json();
    const pids = Object.fromEntries(
      ["intake", "consumer", "hub"].map((s) => [s, stack.service(s as "hub").pid!]),
    );
    const before = await systemState(stack);

    await t.step("gRPC: every malformed request gets its specific error", async () => {
      await runAll(grpcCases(client, hostile, existing), 8);
      await runAll(authCases(client, stack, hostile), 8);
      assertNoFailures("gRPC");
    });

    await t.step("REST: every malformed request gets its specific 4xx", async () => {
      const codes = { pizza: menu.pizzas[0].code as string, extra: menu.extras[0].code as string };
      await runAll(restCases(stack, hostile, existing.orderId, codes), 4);
      assertNoFailures("REST");
    });

    await t.step(
      "WebSocket: bad upgrades are refused before the upgrade, with the field",
      async () => {
        const token = stack.tokens.viewer;
        const queries: [string, string][] = [
          ...["no-such", "кухня", "x".repeat(5_000), "%00", "..%2F..", "MAIN"].map((k) =>
            [`kitchen=${encodeURIComponent(k)}`, "kitchen"] as [string, string]
          ),
          ...["oven", "PIZZA", "x".repeat(1_000), "%00", "pizza,dessert"].map((s) =>
            [`kitchen=${hostile.id}&station=${encodeURIComponent(s)}`, "station"] as [
              string,
              string,
            ]
          ),
          ...[
            "garbage",
            "1-",
            "-1",
            "1795698000000",
            "1795698000000-0-0",
            "x".repeat(2_000),
            "%00",
            "1e3-0",
          ].map((id) =>
            [`kitchen=${hostile.id}&lastEventId=${encodeURIComponent(id)}`, "lastEventId"] as [
              string,
              string,
            ]
          ),
        ];
        const cases: Case[] = [];
        for (const channel of ["kds", "erp"]) {
          for (const [query, field] of queries) {
            if (channel === "erp" && field === "station") continue;
            cases.push({
              kind: "WebSocket",
              name: `upgrade /ws/${channel}?${query.slice(0, 40)}`,
              run: async () => {
                const { answer, socket } = await RawWebSocket.open(
                  stack.ports.hub,
                  `/ws/${channel}?${query}`,
                  { Authorization: `Bearer ${token}` },
                );
                socket?.close();
                assert.equal(
                  answer.status,
                  400,
                  `${query.slice(0, 40)}: ${answer.head.slice(0, 100)}`,
                );
                const body = JSON.parse(answer.body);
                assert.equal(body.error.code, "invalid");
                assert.equal(body.error.fields[0].field, field);
                assert(body.error.message.length <= 200, "the echoed value is cut");
              },
            });
          }
          cases.push({
            kind: "WebSocket",
            name: `/ws/${channel} over plain HTTP`,
            run: async () => {
              const res = await stack.hubFetch(
                `${stack.hubUrl}/ws/${channel}?kitchen=${hostile.id}`,
              );
              assert.equal(res.status, 400);
              assert.match((await res.json()).error.message, /WebSocket only/);
            },
          });
        }
        await runAll(cases, 4);
        assertNoFailures("WebSocket upgrade");
      },
    );

    await t.step(
      "WebSocket: every bad frame is answered with an error, the socket stays open",
      async () => {
        const url = `ws://127.0.0.1:${stack.ports.hub}/ws/erp?kitchen=${hostile.id}`;
        const socket = await TestSocket.open(url, stack.tokens.viewer);
        try {
          await socket.waitFor("the snapshot", (r) => r.message.type === "snapshot");
          const answers = () =>
            socket.received.filter((r) => ["error", "pong"].includes(r.message.type));
          for (const c of frameCases()) {
            counts.WebSocket++;
            const seen = answers().length;
            socket.socket.send(c.data);
            try {
              const answer = await waitForAnswer(() => answers()[seen]?.message, c.name);
              if (c.answer === "pong") {
                assert.equal(answer.type, "pong", c.name);
              } else {
                assert.equal(answer.type, "error", `${c.name}: ${JSON.stringify(answer)}`);
                assert.match(String(answer.message), c.answer, c.name);
                assert(String(answer.message).length <= 200, `${c.name}: a short message`);
              }
              assert.equal(socket.socket.readyState, WebSocket.OPEN, `${c.name}: still open`);
            } catch (error) {
              failures.push(`WebSocket ${c.name}: ${(error as Error).message}`);
            }
          }
        } finally {
          await socket.close();
        }
        assertNoFailures("WebSocket frame");
      },
    );

    await t.step(
      "WebSocket: a message past 64 KiB closes the socket with 1009 before it is buffered, fragmented or not",
      async () => {
        const auth = {
          Authorization: `Bearer ${stack.tokens.viewer}`,
          "Sec-WebSocket-Protocol": "ovenline",
        };
        const path = `/ws/kds?kitchen=${hostile.id}`;
        const open = async () => {
          const { answer, socket } = await RawWebSocket.open(stack.ports.hub, path, auth);
          assert.equal(answer.status, 101, answer.head);
          return socket!;
        };
        const tooBig: [string, (s: RawWebSocket) => Promise<void>][] = [
          [
            "a text frame of 64 KiB + 1",
            (s) => s.sendFrame(1, true, new Uint8Array(64 * KIB + 1).fill(0x61)),
          ],
          [
            "a text frame of 1 MiB",
            (s) => s.sendFrame(1, true, new Uint8Array(1 << 20).fill(0x61)),
          ],
          ["a binary frame of 5 MiB", (s) => s.sendFrame(2, true, new Uint8Array(5 << 20))],
          ["a 2 MiB message in 1 KiB fragments", (s) => s.sendFragmented(2 * KIB, KIB)],
          // Deno.upgradeWebSocket reassembled this whole before any check; ws refuses the 1st MiB.
          ["an 80 MiB message in 1 MiB fragments", (s) => s.sendFragmented(80, 1 << 20)],
          ["a frame claiming 65 MiB", (s) => s.sendFrame(1, true, new Uint8Array(65 << 20))],
        ];
        for (const [label, send] of tooBig) {
          counts.WebSocket++;
          const socket = await open();
          try {
            // The hub stops reading once it has refused: the rest of a big send may fail.
            const sending = send(socket).catch(() => {});
            const end = await socket.readUntilClosed(20_000);
            assert.equal(
              end.closeCode,
              1009,
              `${label}: ${JSON.stringify({ ...end, texts: end.texts.length })}`,
            );
            socket.close();
            await sending;
          } finally {
            socket.close();
          }
        }
        // A renewal with a token that is not one (finding 4): refused, the socket stays open.
        counts.WebSocket++;
        const renewing = await TestSocket.open(
          `ws://127.0.0.1:${stack.ports.hub}/ws/kds?kitchen=${hostile.id}`,
          stack.tokens.viewer,
        );
        try {
          for (const token of ["", "x.y.z", stack.tokens.manager, 5, null]) {
            const seen = renewing.ofType("error").length;
            renewing.socket.send(JSON.stringify({ type: "auth", token }));
            const answer = await waitForAnswer(
              () => renewing.ofType("error")[seen]?.message,
              "auth",
            );
            assert.match(String(answer.message), /token refused|needs the renewed token/);
          }
          assert.equal(renewing.socket.readyState, WebSocket.OPEN);
        } finally {
          await renewing.close();
        }
        const res = await fetch(`${stack.hubUrl}/healthz`);
        assert.equal(res.status, 200, await res.text());
      },
    );

    await t.step(
      "limits: request line and headers (node:http's 16 KiB head), gRPC metadata (grpc-js on Deno's HTTP/2)",
      async () => {
        const api = `/api/v1/erp/orders`;
        const auth = `Authorization: Bearer ${stack.tokens.manager}\r\n`;
        const get = (path: string, headers = "") =>
          rawHttp(
            stack.ports.hub,
            `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}${headers}Connection: close\r\n\r\n`,
          );
        const counted = async (label: string, run: () => Promise<void>) => {
          counts.REST++;
          await run().catch((e) => failures.push(`REST ${label}: ${(e as Error).message}`));
        };
        await counted("a 15 KiB URL reaches the hub", async () => {
          const a = await get(`${api}/${"a".repeat(15 * KIB)}`);
          assert.equal(a.status, 400);
          assert.match(a.body, /must be a UUID/);
        });
        for (
          const [label, path, headers] of [
            ["a 17 KiB URL", `${api}/${"a".repeat(17 * KIB)}`, ""],
            ["a 64 KiB URL", `${api}/${"a".repeat(64 * KIB)}`, ""],
            ["a 1 MiB URL", `${api}/${"a".repeat(1 << 20)}`, ""],
            ["a 64 KiB header", `${api}/active`, `X-Big: ${"a".repeat(64 * KIB)}\r\n`],
            [
              "two 60 KiB headers",
              `${api}/active`,
              `X-A: ${"a".repeat(60 * KIB)}\r\nX-B: ${"b".repeat(60 * KIB)}\r\n`,
            ],
          ] as const
        ) {
          await counted(label, async () => {
            const a = await get(path, headers);
            assert.equal(a.status, 431, `${label}: ${a.head.slice(0, 80)}`);
            assert.equal(a.body, "", `${label}: refused before the hub sees it`);
          });
        }
        await counted("130 headers and a 12 KiB header reach the hub", async () => {
          const a = await get(
            `${api}/active?kitchen=${hostile.id}`,
            Array.from({ length: 130 }, (_, i) => `X-H${i}: v\r\n`).join("") +
              `X-Big: ${"a".repeat(12 * KIB)}\r\n`,
          );
          assert.equal(a.status, 200, a.head.slice(0, 80));
        });
        const probe = bytesOf(lenField(1, "x"));
        for (
          const [label, size, expected] of [["8 KiB", 8 * KIB, "served"], [
            "1 MiB",
            1 << 20,
            "refused",
          ]] as const
        ) {
          counts.gRPC++;
          const metadata = new Metadata();
          metadata.set("x-big", "a".repeat(size));
          const o = await client.call("GetOrder", probe, metadata);
          if (expected === "served") expectNotFound(o, `metadata ${label}`);
          else {
            assert(!o.ok, `metadata ${label}: refused`);
            assert.notEqual(o.error.code, Code.OK);
          }
        }
        counts.gRPC++;
        const many = new Metadata();
        for (let i = 0; i < 2_000; i++) many.set(`x-h${i}`, "v");
        const o = await client.call("GetOrder", probe, many);
        assert(
          !o.ok && o.error.code === Code.RESOURCE_EXHAUSTED,
          `2000 metadata entries: ${!o.ok && o.error.message}`,
        );
        assertNoFailures("limit");
      },
    );

    await t.step(
      "nothing was written or reserved, and every process is up and healthy",
      async () => {
        const after = await systemState(stack);
        assert.deepEqual(stateDifferences(before, after), []);
        for (const [name, pid] of Object.entries(pids)) {
          assert.equal(stack.service(name as "hub").pid, pid, `${name} was not restarted`);
          assert(await processAlive(pid), `${name} (pid ${pid}) is alive`);
        }
        const health = new HealthClient(`127.0.0.1:${stack.ports.grpc}`);
        try {
          assert(await health.serving("ovenline.v1.OrderService"), "intake SERVING");
          assert(await health.serving(""), "intake SERVING (server)");
        } finally {
          health.close();
        }
        for (
          const url of [
            `${stack.hubUrl}/healthz`,
            `${stack.hubUrl}/readyz`,
            `http://127.0.0.1:${stack.ports.consumerHealth}/readyz`,
          ]
        ) {
          const res = await fetch(url);
          assert.equal(res.status, 200, `${url}: ${await res.text()}`);
        }
        // Nothing failed inside: no error was logged (a 500 or an INTERNAL is logged as one).
        for (const name of ["intake", "hub", "consumer"] as const) {
          const errors = (await Deno.readTextFile(stack.service(name).logPath)).split("\n")
            .filter((l) => l.includes('"level":"error"'));
          assert.deepEqual(errors, [], `${name} logged errors`);
        }
      },
    );

    await t.step("odd but valid input is accepted and stored exactly", async () => {
      const seed = (o: Partial<PizzaOrderRequest>) =>
        seedExampleRequest({ kitchenId: main.id, ...o });
      const valid: [string, Uint8Array, Record<string, string>][] = [];
      const named = (
        label: string,
        o: Partial<PizzaOrderRequest>,
        stored: Record<string, string> = {},
      ) => valid.push([label, encode(seed(o)), stored]);
      named("a Hebrew name", { customerFirstName: "משה", customerLastName: "כהן" }, {
        customer_first_name: "משה",
        customer_last_name: "כהן",
      });
      named("an Arabic name", { customerFirstName: "محمد", customerLastName: "العلي" }, {
        customer_first_name: "محمد",
        customer_last_name: "العلي",
      });
      named("a zero-width-joined emoji", { customerFirstName: "Иван 👨‍👩‍👧" }, {
        customer_first_name: "Иван 👨‍👩‍👧",
      });
      named("a flag emoji", { customerLastName: "🇷🇺" }, { customer_last_name: "🇷🇺" });
      named("combining marks", { customerFirstName: "Zoe\u0308", customerLastName: "N\u0303" }, {
        customer_first_name: "Zoe\u0308",
      });
      named("forty combining accents on one letter", {
        customerFirstName: `И${"\u0301".repeat(40)}`,
      }, { customer_first_name: `И${"\u0301".repeat(40)}` });
      named("64 emoji: 64 characters, 128 UTF-16 units", { customerFirstName: "🍕".repeat(64) }, {
        customer_first_name: "🍕".repeat(64),
      });
      named("CJK", { customerFirstName: "李", customerLastName: "小龍" }, {
        customer_first_name: "李",
      });
      named("Hebrew inside a Cyrillic address", { deliveryAddress: "ул. שלום, д. 1" }, {
        delivery_address: "ул. שלום, д. 1",
      });
      named("an address of exactly 300 characters", { deliveryAddress: "д".repeat(300) }, {
        delivery_address: "д".repeat(300),
      });
      named("a no-break space inside a name", { customerFirstName: "Анна\u00a0Мария" }, {
        customer_first_name: "Анна\u00a0Мария",
      });
      named("a zero-width last name counts as none", { customerLastName: "\u200b" }, {
        customer_last_name: "",
      });
      named("surrounding spaces are trimmed", { customerFirstName: "  Иван  " }, {
        customer_first_name: "Иван",
      });
      named("customer_id = int64 max", { customerId: INT64_MAX.toString() }, {
        customer_id: INT64_MAX.toString(),
      });
      const BASE = encode(seed({}));
      valid.push([
        "quantity 2^32 + 2 on the wire: int32 keeps the low 32 bits (2)",
        bytesOf(BASE, tag(3, WT.varint), varint(2n ** 32n + 2n)),
        { items_count: "2" },
      ]);
      valid.push([
        "first name a line break, then Иван: the last one wins",
        bytesOf(BASE, lenField(4, "\n"), lenField(4, "Иван")),
        { customer_first_name: "Иван" },
      ]);
      valid.push([
        "kitchen_id with the wrong wire type is skipped: the default kitchen",
        bytesOf(encode(seed({ kitchenId: "" })), varintField(11, 5)),
        { kitchen_id: main.id },
      ]);
      valid.push([
        "unknown fields are skipped",
        bytesOf(BASE, varintField(99, 1), lenField(100, "x"), tag(101, WT.i32), [1, 2, 3, 4]),
        {},
      ]);
      const accepted: [string, string, Record<string, string>][] = [];
      for (const [label, bytes, stored] of valid) {
        counts.gRPC++;
        const o = await client.call("CreateOrder", bytes);
        assert(o.ok, `${label}: ${!o.ok && `${Code[o.error.code]} ${o.error.message}`}`);
        accepted.push([label, OrderResponse.decode(o.messages[0]).orderId, stored]);
      }
      await waitForOrders(stack, accepted.map(([, id]) => id));
      for (const [label, id, stored] of accepted) {
        const { rows } = await stack.pool.query(
          `SELECT customer_id::text, customer_first_name, coalesce(customer_last_name, '') AS customer_last_name,
                  delivery_address, kitchen_id, (SELECT sum((i->>'quantity')::int) FROM jsonb_array_elements(items) i)::text AS items_count
           FROM orders WHERE id = $1`,
          [id],
        );
        for (const [column, value] of Object.entries(stored)) {
          assert.equal(rows[0][column], value, `${label}: ${column}`);
        }
      }
    });

    const total = counts.gRPC + counts.REST + counts.WebSocket;
    console.log(
      `hostile input: ${total} cases: ${counts.gRPC} gRPC, ${counts.REST} REST, ${counts.WebSocket} WebSocket ` +
        `(${Math.round((performance.now() - started) / 1000)} s)`,
    );
    assert(total >= 1_000, `at least 1,000 cases (${total})`);
  } finally {
    client.close();
    await stack.close();
  }
});

async function waitForAnswer<T>(
  probe: () => T | undefined,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer to ${what} within ${timeoutMs} ms`);
}
