#!/usr/bin/env bash
# One entry point for a single service, e.g. for fault injection in tests:
#   scripts/infra/ctl.sh kafka kill && scripts/infra/ctl.sh kafka start
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
postgres | redis | kafka) ;;
*)
  echo "usage: $0 <postgres|redis|kafka> <start|stop|kill|status>" >&2
  exit 2
  ;;
esac
exec bash "$INFRA_SCRIPTS/$1.sh" "${2:-}"
