#!/usr/bin/env bash
# Regenerates src/gen/ from proto/ with protoc (Debian protobuf-compiler) and
# the ts-proto plugin (npm, installed into .tools/ts-proto). The output is
# committed; test/proto_drift_test.ts fails when it is stale.
#   bash scripts/proto.sh [out_dir]     (default: src/gen)
#
# descriptor_set.binpb is what intake's server reflection serves (src/adapters/grpc/server.ts):
# every file the server speaks, as protoc wrote it, imports included (--include_imports brings
# the well-known types from /usr/include). Besides proto/ that is the health and reflection
# services, compiled from the .proto files that their npm packages (grpc-health-check,
# @grpc/reflection, at the versions in deno.lock) serve them from; no TypeScript is generated for
# those, the packages bring their own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/src/gen}"
plugin_dir="$root/.tools/ts-proto"
TS_PROTO_VERSION="2.18.0"

command -v protoc >/dev/null || { echo "proto: protoc missing (apt-get install protobuf-compiler libprotobuf-dev)" >&2; exit 1; }
if [ ! -x "$plugin_dir/node_modules/.bin/protoc-gen-ts_proto" ] ||
   ! grep -q "\"version\": \"$TS_PROTO_VERSION\"" "$plugin_dir/node_modules/ts-proto/package.json" 2>/dev/null; then
  mkdir -p "$plugin_dir"
  npm install --silent --no-audit --no-fund --prefix "$plugin_dir" "ts-proto@$TS_PROTO_VERSION" >&2
fi
health_protos="$root/node_modules/grpc-health-check/proto"
reflection_protos="$root/node_modules/@grpc/reflection/build/proto"
if [ ! -d "$health_protos" ] || [ ! -d "$reflection_protos" ]; then
  source "$root/scripts/tools.sh"
  (cd "$root" && deno install --frozen --quiet) >&2
fi

rm -rf "$out" && mkdir -p "$out"
cd "$root/proto" # protoc resolves the .proto paths below against the -I roots
api=$(find ovenline google -name '*.proto' | sort)
protoc \
  --plugin="protoc-gen-ts_proto=$plugin_dir/node_modules/.bin/protoc-gen-ts_proto" \
  --ts_proto_out="$out" \
  --ts_proto_opt=outputServices=grpc-js,importSuffix=.ts,esModuleInterop=true,forceLong=string,useDate=true,env=node,oneof=unions-value,useExactTypes=false \
  -I "$root/proto" -I /usr/include \
  $api
served=$( (cd "$health_protos" && find health -name '*.proto'; cd "$reflection_protos" && find grpc -name '*.proto') | sort)
protoc \
  --descriptor_set_out="$out/descriptor_set.binpb" --include_imports --include_source_info \
  -I "$root/proto" -I /usr/include -I "$health_protos" -I "$reflection_protos" \
  $api $served
