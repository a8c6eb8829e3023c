/**
 * A grpc-js server with the standard health service (grpc.health.v1) and
 * server reflection, so grpcurl, Kubernetes gRPC probes and load balancers
 * work without extra configuration.
 */
import { Buffer } from "node:buffer";
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import { reflectionDescriptors } from "./reflection_descriptors.ts";

const DESCRIPTOR_SET = new URL("../../gen/descriptor_set.binpb", import.meta.url);

export interface GrpcServerSettings {
  readonly host: string;
  readonly port: number;
  readonly credentials?: ServerCredentials;
  /** Largest request accepted, in bytes (larger ones get RESOURCE_EXHAUSTED). */
  readonly maxReceiveBytes: number;
  /** Per-connection HTTP/2 limits; omitted: grpc-js' defaults (none). */
  readonly connections?: ConnectionLimits;
}

export interface ConnectionLimits {
  /** Streams (calls) open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly maxConcurrentStreams: number;
  /** A connection is asked to go (GOAWAY) after this long; its calls get the grace to finish. */
  readonly maxConnectionAgeMs: number;
  readonly maxConnectionAgeGraceMs: number;
  /** A connection without calls for this long is closed. */
  readonly maxConnectionIdleMs: number;
}

export interface RunningGrpcServer {
  readonly port: number;
  setServing(serving: boolean): void;
  /** Stops taking calls, lets running ones finish for up to `graceMs`, then cuts the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export async function startGrpcServer(
  settings: GrpcServerSettings,
  services: ReadonlyArray<
    { name: string; definition: ServiceDefinition; implementation: UntypedServiceImplementation }
  >,
): Promise<RunningGrpcServer> {
  const limits = settings.connections;
  const server = new Server({
    "grpc.max_receive_message_length": settings.maxReceiveBytes,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_permit_without_calls": 1,
    ...(limits
      ? {
        "grpc.max_concurrent_streams": limits.maxConcurrentStreams,
        "grpc.max_connection_age_ms": limits.maxConnectionAgeMs,
        "grpc.max_connection_age_grace_ms": limits.maxConnectionAgeGraceMs,
        "grpc.max_connection_idle_ms": limits.maxConnectionIdleMs,
      }
      : {}),
  });
  const health = new HealthImplementation(
    Object.fromEntries([
      ["", "NOT_SERVING"],
      ...services.map((s) => [s.name, "NOT_SERVING"]),
    ]) as Record<string, ServingStatus>,
  );
  health.addToServer(server);
  const descriptors = reflectionDescriptors(Buffer.from(Deno.readFileSync(DESCRIPTOR_SET)));
  new ReflectionService(descriptors).addToServer(server);
  for (const s of services) server.addService(s.definition, s.implementation);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${settings.host}:${settings.port}`,
      settings.credentials ?? ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    )
  );

  const setServing = (serving: boolean) => {
    const status: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
    health.setStatus("", status);
    for (const s of services) health.setStatus(s.name, status);
  };

  return {
    port,
    setServing,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        setServing(false);
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
