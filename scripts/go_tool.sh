#!/usr/bin/env bash
# Installs a Go command at a pinned module version into .tools/<name>/ (git-ignored) with
# `go install` if it is not there yet, and prints the binary's path on stdout (progress goes to
# stderr). Idempotent: a binary built from the pinned module version is kept. The check reads the
# module version stamped into the binary (`go version -m`), since tools built by `go install`
# often report only a partial or "dev" version themselves.
#   bin="$(bash scripts/go_tool.sh NAME MODULE PACKAGE VERSION)"
#   e.g. bash scripts/go_tool.sh helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm v3.21.4
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: go_tool.sh NAME MODULE PACKAGE VERSION" >&2; exit 2; }
name="$1" module="$2" package="$3" version="$4"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/$name"
bin="$dir/$name"
export PATH="$PATH:/usr/local/go/bin"

pinned() {
  [ -x "$bin" ] && go version -m "$bin" 2>/dev/null |
    grep -qE "^[[:space:]]+mod[[:space:]]+${module//./\\.}[[:space:]]+${version//./\\.}([[:space:]]|$)"
}

if ! command -v go >/dev/null 2>&1; then
  echo "$name: go is needed to install $name (Debian: golang-go, or the Go toolchain)" >&2
  exit 1
fi
if ! pinned; then
  echo "$name: installing $name $version into .tools/$name (go install, a few minutes)" >&2
  mkdir -p "$dir"
  GOBIN="$dir" go install "$package@$version" >&2
  pinned || { echo "$name: $bin is not $module $version" >&2; exit 1; }
fi
echo "$bin"
