import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createFileRegistry, equals, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { fileDescriptorProtos, reflectionDescriptors } from "./reflection_descriptors.ts";

const SET = Deno.readFileSync(new URL("../../gen/descriptor_set.binpb", import.meta.url));

Deno.test("fileDescriptorProtos returns every file of the set, intact", () => {
  const files = fileDescriptorProtos(SET);
  const decoded = fromBinary(FileDescriptorSetSchema, SET).file;
  assert.equal(files.length, decoded.length);
  files.forEach((bytes, i) =>
    assert.ok(
      equals(FileDescriptorProtoSchema, fromBinary(FileDescriptorProtoSchema, bytes), decoded[i]),
    )
  );
});

Deno.test("fileDescriptorProtos skips fields other than FileDescriptorSet.file", () => {
  // field 2 (varint 7), then field 1: a file whose field 1 (name) is "a"
  const name = new TextEncoder().encode("a");
  const file = [0x0a, name.length, ...name];
  const set = Uint8Array.from([0x10, 0x07, 0x0a, file.length, ...file]);
  assert.deepEqual(fileDescriptorProtos(set).map((f) => [...f]), [file]);
});

Deno.test("the descriptor set holds every file the server speaks, with its imports declared", () => {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, SET));
  const files = new Map([...registry.files].map((f) => [f.proto.name, f.proto.dependency]));
  assert.deepEqual(files.get("ovenline/v1/order_service.proto"), [
    "google/protobuf/timestamp.proto",
    "ovenline/v1/order.proto",
  ]);
  assert.deepEqual(files.get("google/rpc/error_details.proto"), ["google/protobuf/duration.proto"]);
  for (
    const service of [
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "ovenline.v1.OrderService",
    ]
  ) {
    assert.equal(registry.getService(service)?.typeName, service);
  }
  // Every import is in the set (createFileRegistry throws otherwise, but say it plainly).
  for (const deps of files.values()) for (const dep of deps) assert.ok(files.has(dep), dep);
});

Deno.test("reflection gets protoc's own files on every type, not protobufjs's per-package rewrites", () => {
  const files = fileDescriptorProtos(SET);
  const definitions = Object.entries(reflectionDescriptors(Buffer.from(SET)));
  assert.ok(definitions.length > 0);
  for (const [name, definition] of definitions) {
    assert.ok("fileDescriptorProtos" in definition, `${name} carries files`);
    assert.deepEqual(definition.fileDescriptorProtos, files, name);
  }
  const names = definitions.map(([name]) => name);
  for (
    const type of [
      "ovenline.v1.OrderEvent",
      "google.protobuf.Timestamp",
      "google.rpc.BadRequest",
      "grpc.health.v1.HealthCheckRequest",
    ]
  ) {
    assert.ok(names.includes(type), type);
  }
});
