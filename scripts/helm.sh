#!/usr/bin/env bash
# Installs helm v3.21.4 into .tools/helm (git-ignored) with `go install` if it is not there yet,
# and prints the binary's path on stdout (progress goes to stderr). Idempotent (scripts/go_tool.sh).
#   helm="$(bash scripts/helm.sh)" && "$helm" lint charts/ovenline
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/go_tool.sh" helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm v3.21.4
