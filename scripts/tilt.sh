#!/usr/bin/env bash
# Builds Tilt (github.com/tilt-dev/tilt, cmd/tilt) from the Go module proxy into .tools/k8s/bin
# if it is not there yet, and prints the binary's path on stdout (progress goes to stderr).
# Cold Go caches: several minutes on 2 cores; cached afterwards.
#   tilt="$(bash scripts/tilt.sh)" && "$tilt" alpha tiltfile-result
#
# Tilt's release builds embed its web UI, compiled with yarn from web/ (not in the Go module);
# without it `tilt up`/`tilt ci` refuse to start ("JS/CSS files are not available"). So Tilt is
# built from a copy of its module with one small page in the UI's place, saying so: the terminal
# view, `tilt ci` and `tilt get` need no UI. (go build -overlay cannot replace files of the module
# cache.)
set -euo pipefail
LOG_TAG=tilt
source "$(dirname "${BASH_SOURCE[0]}")/k8s/lib.sh"

TILT_VERSION="${OVENLINE_TILT_VERSION:-v0.34.0}"
TILT_MODULE="github.com/tilt-dev/tilt"
TILT_BIN="$BIN/tilt-$TILT_VERSION-page" # "-page": with the page above (older builds had none)

lock 8 "$TOOLS/tilt" # its own lock: a long build that blocks no other
# Tilt parses Tiltfiles with tree-sitter, which is C: this one build needs cgo (gcc).
export OVENLINE_CGO=1
if [ ! -x "$TILT_BIN" ]; then
  dir="$(write_replacing_module tilt "$TILT_MODULE" "$TILT_VERSION")"
  rm -rf "$dir/tilt"
  cp -r --no-preserve=mode "$(module_dir "$TILT_MODULE@$TILT_VERSION")" "$dir/tilt"
  ui="$dir/tilt/pkg/assets/build" # what Tilt embeds as its web UI
  cat >"$ui/index.html" <<'HTML'
<!doctype html>
<meta charset="utf-8">
<title>Tilt</title>
<p>This Tilt was built from its Go module (scripts/tilt.sh), without the web UI. Use the terminal
view of <code>tilt up</code>, or <code>tilt get uiresources</code>.</p>
HTML
  grep -q "^replace $TILT_MODULE " "$dir/go.mod" || echo "replace $TILT_MODULE => ./tilt" >>"$dir/go.mod"
  build_one "tilt $TILT_VERSION" "$TILT_BIN" "$dir" \
    "-X main.version=${TILT_VERSION#v} -X main.date=1970-01-01" "$TILT_MODULE/cmd/tilt"
fi
echo "$TILT_BIN"
