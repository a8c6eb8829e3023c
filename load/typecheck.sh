#!/usr/bin/env bash
# Type-checks the k6 scripts (plain JavaScript with `// @ts-check` and JSDoc, as
# k6 runs them) against @types/k6 with TypeScript's tsc. Both are pinned and
# installed from npm into .tools/k6check on first use (k6 itself is not needed).
#   bash load/typecheck.sh                    # load/tsconfig.json
#   bash load/typecheck.sh <dir>/tsconfig.json # another project (the test's broken copy)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TYPESCRIPT_VERSION="5.9.3"
K6_TYPES_VERSION="2.3.0"
dir="$root/.tools/k6check"
want="typescript@$TYPESCRIPT_VERSION @types/k6@$K6_TYPES_VERSION"
if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ] || [ ! -x "$dir/node_modules/.bin/tsc" ]; then
  echo "k6 typecheck: installing $want into .tools/k6check" >&2
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  npm install --silent --no-audit --no-fund --prefix "$dir" $want >&2
  echo "$want" >"$dir/.installed"
fi
exec "$dir/node_modules/.bin/tsc" -p "${1:-$root/load/tsconfig.json}"
