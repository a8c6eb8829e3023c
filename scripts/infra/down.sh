#!/usr/bin/env bash
# Stops the services that up.sh started, found by their pid files; nothing else.
# Data stays in .infra (delete the folder for a clean slate).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
for service in kafka redis postgres; do
  bash "$INFRA_SCRIPTS/$service.sh" stop || rc=1
done
exit $rc
