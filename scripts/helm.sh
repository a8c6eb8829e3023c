#!/usr/bin/env bash
# Installs helm v3.22.0 into .tools/helm (git-ignored) with `go install` if it is not there yet,
# and prints the binary's path on stdout (progress goes to stderr). Idempotent: a helm built from
# the pinned module version is kept (checked with `go version -m`, since a `go install` build
# reports only "v3.22" from `helm version`).
#   helm="$(bash scripts/helm.sh)" && "$helm" lint charts/ovenline
set -euo pipefail
HELM_VERSION="v3.22.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/helm"
bin="$dir/helm"
export PATH="$PATH:/usr/local/go/bin"

pinned() {
  [ -x "$bin" ] && go version -m "$bin" 2>/dev/null |
    grep -qE "^[[:space:]]+mod[[:space:]]+helm\.sh/helm/v3[[:space:]]+${HELM_VERSION//./\\.}([[:space:]]|$)"
}

if ! command -v go >/dev/null 2>&1; then
  echo "helm.sh: go is needed to install helm (Debian: golang-go, or the Go toolchain)" >&2
  exit 1
fi
if ! pinned; then
  echo "helm.sh: installing helm $HELM_VERSION into .tools/helm (go install, a few minutes)" >&2
  mkdir -p "$dir"
  GOBIN="$dir" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  pinned || { echo "helm.sh: $bin is not helm $HELM_VERSION" >&2; exit 1; }
fi
echo "$bin"
