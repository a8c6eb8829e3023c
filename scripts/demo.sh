#!/usr/bin/env bash
# One command for the whole local stack: infrastructure, migrations, every
# service, then a steady stream of varied sample orders until Ctrl-C.
#   ./dev demo               run until Ctrl-C (services keep running; ./dev services:stop)
#   ./dev demo --orders 20   place 20 orders, print a summary, exit
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/tools.sh
bash scripts/infra/up.sh
set -a && source .infra/env && set +a
export KAFKAJS_NO_PARTITIONER_WARNING=1

deno task --quiet migrate
deno run -A --quiet scripts/demo_kitchen.ts
bash scripts/services.sh start

GRPC="127.0.0.1:${GRPC_PORT:-50051}"
HUB="http://127.0.0.1:${HUB_PORT:-8080}"
export AUTH_JWT_SECRET="${AUTH_JWT_SECRET:-$(cat .infra/hub-signing-key)}"
KITCHEN_TOKEN="$(deno task --quiet token --role kitchen --subject demo-tablet)"
MANAGER_TOKEN="$(deno task --quiet token --role manager --subject demo-manager)"
cat <<MSG

Ovenline is running.
  gRPC API (intake):   $GRPC   (grpcurl -plaintext $GRPC list; CreateOrder needs
                       -H "authorization: Bearer \$(./dev customer-token --customer 12345)")
  Kitchen display:     $HUB/kds#token=$KITCHEN_TOKEN
  ERP dashboard:       $HUB/erp#token=$MANAGER_TOKEN
  (a link works for 1 h; an open page renews its token for up to 12 h;
   more with: ./dev token --role kitchen|manager|viewer)
  Logs:                .infra/logs/<service>.log
  Stop services:       ./dev services:stop      Stop infrastructure: ./dev down

MSG
exec bash scripts/with_infra.sh deno run -A --quiet scripts/demo_orders.ts --target "$GRPC" "$@"
