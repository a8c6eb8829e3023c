/**
 * grpc-js answers a request that is not valid protobuf with INTERNAL. Callers
 * deserve INVALID_ARGUMENT saying what is wrong, so decoding failures are
 * caught here and handed to the handler as an UndecodableRequest instead.
 */
import type { Buffer } from "node:buffer";
import type { ServiceDefinition } from "@grpc/grpc-js";

export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

export function withTolerantDecoding<T extends ServiceDefinition>(definition: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return wrapped as T;
}
