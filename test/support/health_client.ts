/** grpc.health.v1 Check, for readiness waits (the same call a Kubernetes gRPC probe makes). */
import {
  type ChannelCredentials,
  type ChannelOptions,
  credentials,
  makeGenericClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

const Client = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  "grpc.health.v1.Health",
);

export class HealthClient {
  // deno-lint-ignore no-explicit-any
  readonly #client: any;

  /** Plaintext unless `client` gives credentials (and channel options, e.g. the TLS name to verify). */
  constructor(
    address: string,
    client: { credentials: ChannelCredentials; options?: ChannelOptions } = {
      credentials: credentials.createInsecure(),
    },
  ) {
    this.#client = new Client(address, client.credentials, client.options);
  }

  /** true when the server answers SERVING for `service` ("" = the whole server). */
  serving(service = "", timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) =>
      this.#client.check(
        { service },
        { deadline: Date.now() + timeoutMs },
        (error: unknown, response: { status: string | number }) =>
          resolve(!error && (response.status === "SERVING" || response.status === 1)),
      )
    );
  }

  close(): void {
    this.#client.close();
  }
}
