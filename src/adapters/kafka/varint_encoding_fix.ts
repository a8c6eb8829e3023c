/**
 * kafkajs 2.2.4 writes every variable-length integer of a record (its length, offset and
 * timestamp deltas, key and value lengths, each header's key and value lengths) by pushing the
 * bytes into an array and copying them in through `Buffer.from(array)`: a Buffer per integer,
 * about 20 per record with Ovenline's three headers, and the largest single source of intake's
 * Kafka garbage. Each timestamp delta also goes through a dozen `Long` objects.
 *
 * This replaces the three methods on kafkajs' Encoder class (the same module instance kafkajs
 * requires) with ones that write the same bytes straight into the encoder's buffer: unsigned
 * varints in place, and zigzag varlongs of 32-bit integers as the varints they equal. Anything
 * else (a Long, a string, a number past 32 bits) still goes to kafkajs' own code.
 * `varint_encoding_fix_test.ts` compares both byte for byte.
 */
// deno-lint-ignore-file no-explicit-any
import Encoder from "kafkajs/encoder";

const encoderClass = Encoder as any;
const proto = encoderClass.prototype;

/** kafkajs' own methods, as they were before the patch. */
export const kafkajsVarints = {
  writeUVarInt: proto.writeUVarInt as (this: unknown, value: number) => unknown,
  writeVarLong: proto.writeVarLong as (this: unknown, value: unknown) => unknown,
  sizeOfVarLong: encoderClass.sizeOfVarLong as (value: unknown) => number,
};

function varintLength(unsigned: number): number {
  if (unsigned < 0x80) return 1;
  if (unsigned < 0x4000) return 2;
  if (unsigned < 0x200000) return 3;
  if (unsigned < 0x10000000) return 4;
  return 5;
}

function writeUnsigned(encoder: any, unsigned: number): void {
  encoder.ensureAvailable(varintLength(unsigned));
  const buf = encoder.buf;
  let offset = encoder.offset;
  let rest = unsigned;
  while (rest > 0x7f) {
    buf[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[offset++] = rest;
  encoder.offset = offset;
}

/** Zigzag of a 32-bit integer, unsigned: equal to the 64-bit zigzag of the same value. */
const zigzag32 = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;
const isInt32 = (value: unknown): value is number =>
  typeof value === "number" && (value | 0) === value;

export const varintEncodingPatched: boolean = (() => {
  if (
    typeof proto?.writeUVarInt !== "function" || typeof proto.writeVarLong !== "function" ||
    typeof proto.ensureAvailable !== "function" || typeof encoderClass.sizeOfVarLong !== "function"
  ) return false;
  proto.writeUVarInt = function (this: any, value: number) {
    // kafkajs' loop works on the value's 32 low bits, unsigned.
    writeUnsigned(this, value >>> 0);
    return this;
  };
  proto.writeVarLong = function (this: any, value: unknown) {
    if (!isInt32(value)) return kafkajsVarints.writeVarLong.call(this, value);
    writeUnsigned(this, zigzag32(value));
    return this;
  };
  encoderClass.sizeOfVarLong = (value: unknown) =>
    isInt32(value) ? varintLength(zigzag32(value)) : kafkajsVarints.sizeOfVarLong(value);
  return true;
})();
