/**
 * The file descriptors that server reflection (@grpc/reflection) serves.
 *
 * Reflection clients (grpcurl, grpcui, Postman, Evans) rebuild each file from its
 * FileDescriptorProto and resolve a type name only through the file's declared imports.
 * @grpc/proto-loader's package definitions carry descriptors that protobufjs re-derived: one file
 * per package, named after one of its sources, with no imports at all (and, for a map field, an
 * entry type that clients reject). A client then cannot resolve `google.protobuf.Timestamp` from
 * `ovenline.v1` (`"*.google.protobuf.Timestamp" not found`). So reflection gets the files of the
 * descriptor set exactly as protoc wrote them: real names, real `dependency` lists.
 */
import { Buffer } from "node:buffer";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from "@grpc/proto-loader";

/** FileDescriptorSet.file */
const FILE_FIELD = 1;

/** The FileDescriptorProtos of a FileDescriptorSet, each byte for byte as protoc encoded it. */
export function fileDescriptorProtos(descriptorSet: Uint8Array): Buffer[] {
  const reader = new BinaryReader(descriptorSet);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === FILE_FIELD && wireType === WireType.LengthDelimited) {
      files.push(Buffer.from(reader.bytes()));
    } else {
      reader.skip(wireType, fieldNo);
    }
  }
  return files;
}

/**
 * The package definition to give `new ReflectionService(...)`: the types of `descriptorSet`
 * (protoc's `--descriptor_set_out --include_imports`), each carrying protoc's own files.
 */
export function reflectionDescriptors(descriptorSet: Buffer): PackageDefinition {
  const files = fileDescriptorProtos(descriptorSet);
  const definitions: PackageDefinition = {};
  // proto-loader sets `fileDescriptorProtos` on message and enum definitions (the files a type
  // needs; @grpc/reflection indexes them by file name); services carry none.
  for (const [name, definition] of Object.entries(loadFileDescriptorSetFromBuffer(descriptorSet))) {
    if ("fileDescriptorProtos" in definition) {
      definitions[name] = Object.assign({}, definition, { fileDescriptorProtos: files });
    }
  }
  return definitions;
}
