#!/usr/bin/env bash
# Installs the project's pinned tools into .tools/ (git-ignored) and prints
# the PATH additions. Idempotent: a tool already at its pinned version is kept.
#   source scripts/tools.sh        # installs and exports PATH
# Sourced by other scripts: it leaves their shell options (set -e, ...) as they were.
OVENLINE_ROOT="${OVENLINE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
DENO_VERSION="2.8.3" # 2.9.x aborts the grpc-js server on client disconnect (README, Machine notes)
TOOLS="$OVENLINE_ROOT/.tools"
deno_bin="$TOOLS/deno/node_modules/.bin"

if [ "$("$deno_bin/deno" --version 2>/dev/null | head -1 | awk '{print $2}')" != "$DENO_VERSION" ]; then
  echo "tools: installing deno@$DENO_VERSION into .tools/deno" >&2
  mkdir -p "$TOOLS/deno"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/deno" "deno@2.8.3" >&2 ||
    { echo "tools: could not install deno@$DENO_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
fi
export PATH="$deno_bin:$PATH"
