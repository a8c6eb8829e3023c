/** The patched varint writers against kafkajs' own, byte for byte. */
import assert from "node:assert/strict";
import Encoder from "kafkajs/encoder";
import { kafkajsVarints, varintEncodingPatched } from "./varint_encoding_fix.ts";

// deno-lint-ignore no-explicit-any
const EncoderClass = Encoder as any;

/** Edge values of every varint length, both signs, and a deterministic spread between them. */
function samples(): number[] {
  const values = [0, 1, -1, 2, -2, 63, -64, 64, -65, 127, 128, 255, 256, 16383, 16384];
  for (const bits of [7, 14, 21, 28, 30, 31, 32, 35, 40, 53]) {
    const edge = 2 ** bits;
    values.push(edge - 1, edge, edge + 1, -edge, -edge - 1, -edge + 1);
  }
  let x = 0x2545f491;
  for (let i = 0; i < 3000; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const scale = 2 ** (i % 34);
    values.push(Math.trunc(((x >>> 0) / 2 ** 32 - 0.5) * 2 * scale));
  }
  return values;
}

/** The part of kafkajs' Encoder these tests drive. */
interface VarintEncoder {
  writeInt8(value: number): VarintEncoder;
  writeUVarInt(value: number): VarintEncoder;
  writeVarInt(value: number): VarintEncoder;
  writeVarLong(value: number): VarintEncoder;
  readonly buffer: Uint8Array;
}

function bytes(write: (encoder: VarintEncoder) => void): number[] {
  // A small buffer, so the writes also cross its growth.
  const encoder = new EncoderClass(2);
  write(encoder);
  return [...encoder.buffer];
}

Deno.test("the patch is applied to kafkajs' Encoder", () => {
  assert.equal(varintEncodingPatched, true);
  assert.notEqual(EncoderClass.prototype.writeUVarInt, kafkajsVarints.writeUVarInt);
});

Deno.test("unsigned and zigzag varints: the same bytes as kafkajs' own, for every sample", () => {
  for (const value of samples()) {
    assert.deepEqual(
      bytes((e) => e.writeUVarInt(value)),
      bytes((e) => kafkajsVarints.writeUVarInt.call(e, value)),
      `writeUVarInt(${value})`,
    );
    assert.deepEqual(
      bytes((e) => e.writeVarInt(value)),
      bytes((e) => kafkajsVarints.writeUVarInt.call(e, EncoderClass.encodeZigZag(value))),
      `writeVarInt(${value})`,
    );
  }
});

Deno.test("varlongs and their sizes: the same as kafkajs' own, numbers past 32 bits too", () => {
  for (const value of samples()) {
    const ours = bytes((e) => e.writeVarLong(value));
    assert.deepEqual(
      ours,
      bytes((e) => kafkajsVarints.writeVarLong.call(e, value)),
      `${value}`,
    );
    assert.equal(
      EncoderClass.sizeOfVarLong(value),
      kafkajsVarints.sizeOfVarLong(value),
      `${value}`,
    );
    assert.equal(EncoderClass.sizeOfVarLong(value), ours.length, `size of ${value}`);
  }
});

Deno.test("a record written after other fields: the varints land at the encoder's offset", () => {
  const patched = bytes((e) => e.writeInt8(7).writeVarInt(300).writeVarLong(-5).writeVarInt(-1));
  assert.deepEqual(patched, [7, 0xd8, 0x04, 0x09, 0x01]);
});

Deno.test("kafkajs' own record encoder goes through the patched methods", async () => {
  const { default: Record } = await import("kafkajs/record");
  const proto = EncoderClass.prototype;
  const patched = proto.writeUVarInt;
  let calls = 0;
  proto.writeUVarInt = function (this: unknown, value: number) {
    calls++;
    return patched.call(this, value);
  };
  try {
    const record = Record({
      offsetDelta: 3,
      timestampDelta: 12,
      key: "order-1",
      value: new Uint8Array(600),
      headers: { "content-type": "application/x-protobuf" },
    });
    assert.ok(calls > 0, "kafkajs required another copy of its encoder");
    assert.ok(record.buffer.length > 600);
  } finally {
    proto.writeUVarInt = patched;
  }
});
