/**
 * Bytes on the wire: a gRPC client for OrderService that sends and receives
 * raw buffers (no protobuf encoder in the way, so invalid UTF-8, repeated
 * fields and broken framing reach the server as written), and a small
 * protobuf wire-format writer to build such bytes.
 */
import { Buffer } from "node:buffer";
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { type RichError, richError } from "./grpc_client.ts";

const identity = (bytes: Buffer) => bytes;

function rawMethod(name: string, responseStream = false) {
  return {
    path: `/ovenline.v1.OrderService/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

const RawOrderService = makeGenericClientConstructor({
  CreateOrder: rawMethod("CreateOrder"),
  GetOrder: rawMethod("GetOrder"),
  CancelOrder: rawMethod("CancelOrder"),
  WatchOrder: rawMethod("WatchOrder", true),
}, "RawOrderService");

export type RawMethod = "CreateOrder" | "GetOrder" | "CancelOrder" | "WatchOrder";

export type RawOutcome =
  | { readonly ok: true; readonly messages: Uint8Array[] }
  | { readonly ok: false; readonly error: RichError };

export class RawOrderClient {
  // deno-lint-ignore no-explicit-any
  readonly #client: Client & Record<string, any>;

  constructor(
    address: string,
    client: { credentials: ChannelCredentials; options?: ChannelOptions } = {
      credentials: credentials.createInsecure(),
    },
  ) {
    // deno-lint-ignore no-explicit-any
    this.#client = new RawOrderService(address, client.credentials, client.options) as any;
  }

  /** One call with `bytes` as the request; WatchOrder collects the stream until it ends or fails. */
  call(
    method: RawMethod,
    bytes: Uint8Array,
    metadata = new Metadata(),
    deadlineMs = 10_000,
  ): Promise<RawOutcome> {
    const options = { deadline: Date.now() + deadlineMs };
    const request = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (method === "WatchOrder") {
      return new Promise((resolve) => {
        const messages: Uint8Array[] = [];
        const stream = this.#client.WatchOrder(request, metadata, options);
        stream.on("data", (m: Buffer) => messages.push(new Uint8Array(m)));
        stream.on("error", (e: ServiceError) => resolve({ ok: false, error: richError(e) }));
        stream.on("end", () => resolve({ ok: true, messages }));
      });
    }
    return new Promise((resolve) =>
      this.#client[method](
        request,
        metadata,
        options,
        (e: ServiceError | null, r: Buffer) =>
          resolve(
            e ? { ok: false, error: richError(e) } : { ok: true, messages: [new Uint8Array(r)] },
          ),
      )
    );
  }

  close(): void {
    this.#client.close();
  }
}

/** Protobuf wire types. */
export const WT = { varint: 0, i64: 1, len: 2, sgroup: 3, egroup: 4, i32: 5 } as const;

/** An unsigned LEB128 varint; negative numbers as their 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** A varint field (int32, int64, bool, enum). */
export function varintField(field: number, value: number | bigint): number[] {
  return [...tag(field, WT.varint), ...varint(value)];
}

/** A length-delimited field: text (UTF-8), raw bytes, or an encoded sub-message. */
export function lenField(field: number, payload: string | Uint8Array | number[]): number[] {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return [...tag(field, WT.len), ...varint(bytes.length), ...bytes];
}

export function bytesOf(...parts: (number[] | Uint8Array)[]): Uint8Array {
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

/**
 * Offsets at which `bytes` can be cut between two complete top-level fields
 * (0 and the length included), walking the wire format independently of the
 * server's decoder.
 */
export function fieldBoundaries(bytes: Uint8Array): Set<number> {
  const boundaries = new Set<number>([0]);
  let pos = 0;
  const readVarint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error("truncated varint");
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = readVarint();
    const wireType = Number(key & 7n);
    if (wireType === WT.varint) readVarint();
    else if (wireType === WT.i64) pos += 8;
    else if (wireType === WT.i32) pos += 4;
    else if (wireType === WT.len) {
      const length = Number(readVarint()); // read first: `pos += …` would take pos before the read
      pos += length;
    } else throw new Error(`fieldBoundaries does not walk wire type ${wireType}`);
    boundaries.add(pos);
  }
  return boundaries;
}
