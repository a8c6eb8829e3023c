#!/usr/bin/env bash
# Builds Tilt (github.com/tilt-dev/tilt, cmd/tilt) from the Go module proxy into .tools/k8s/bin
# if it is not there yet, and prints the binary's path on stdout (progress goes to stderr).
# Cold Go caches: several minutes on 2 cores; cached afterwards.
#   tilt="$(bash scripts/tilt.sh)" && "$tilt" alpha tiltfile-result
set -euo pipefail
LOG_TAG=tilt
source "$(dirname "${BASH_SOURCE[0]}")/k8s/lib.sh"

TILT_VERSION="${OVENLINE_TILT_VERSION:-v0.34.0}"
TILT_MODULE="github.com/tilt-dev/tilt"
TILT_BIN="$BIN/tilt-$TILT_VERSION"

lock 8 "$TOOLS/tilt" # its own lock: a long build that blocks no other
# Tilt parses Tiltfiles with tree-sitter, which is C: this one build needs cgo (gcc).
export OVENLINE_CGO=1
if [ ! -x "$TILT_BIN" ]; then
  dir="$(write_replacing_module tilt "$TILT_MODULE" "$TILT_VERSION")"
  build_one "tilt $TILT_VERSION" "$TILT_BIN" "$dir" \
    "-X main.version=${TILT_VERSION#v} -X main.date=1970-01-01" "$TILT_MODULE/cmd/tilt"
fi
echo "$TILT_BIN"
