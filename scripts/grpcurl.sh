#!/usr/bin/env bash
# Installs grpcurl v1.9.4 into .tools/grpcurl (git-ignored) with `go install` if it is not there
# yet, and prints the binary's path on stdout (progress goes to stderr). Idempotent
# (scripts/go_tool.sh). test/grpcurl_test.ts uses it; so can you:
#   grpcurl="$(bash scripts/grpcurl.sh)" && "$grpcurl" -plaintext 127.0.0.1:50051 list
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/go_tool.sh" grpcurl github.com/fullstorydev/grpcurl \
  github.com/fullstorydev/grpcurl/cmd/grpcurl v1.9.4
