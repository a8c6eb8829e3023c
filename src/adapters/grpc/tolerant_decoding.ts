/**
 * grpc-js answers a request that is not valid protobuf with INTERNAL. Callers
 * deserve INVALID_ARGUMENT saying what is wrong, so decoding failures are
 * caught here and handed to the handler as an UndecodableRequest instead.
 *
 * Decoding is also stricter than the generated decoders on their own, which
 * stop silently at a zero or end-group tag (dropping the rest of the bytes)
 * and turn invalid UTF-8 into U+FFFD: a request is undecodable when its
 * top-level wire format is broken or a string field is not valid UTF-8
 * (overlong forms and encoded surrogates included), as protobuf requires.
 */
import type { Buffer } from "node:buffer";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition } from "@grpc/grpc-js";

export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeStrictUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new Error("a string field is not valid UTF-8");
  }
}

/** Walks the top-level fields: every tag legal, every length inside the message, groups closed. */
function checkWireFormat(bytes: Uint8Array): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const at = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    if (wireType === WireType.EndGroup) {
      throw new Error(`end-group tag without a start (field ${fieldNo}, byte ${at})`);
    }
    reader.skip(wireType, fieldNo);
  }
}

export function withTolerantDecoding<T extends ServiceDefinition>(definition: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          checkWireFormat(bytes);
          // ts-proto's decoders take a BinaryReader as well as bytes; this one rejects bad UTF-8.
          return method.requestDeserialize(
            new BinaryReader(bytes, decodeStrictUtf8) as unknown as Buffer,
          );
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return wrapped as T;
}
