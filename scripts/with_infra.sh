#!/usr/bin/env bash
# Runs a command against this checkout's local stack:
#   - starts PostgreSQL, Redis and Kafka when they are not all running (scripts/infra/up.sh) and
#     puts the connection settings of .infra/env in the command's environment (those already set
#     win); when DATABASE_URL, REDIS_URL and KAFKA_BROKERS are all set (an external stack), it uses
#     them and starts nothing;
#   - sets AUTH_JWT_SECRET, when unset, to the local stack's token signing key (made once into
#     .infra/hub-signing-key), so the hub and `deno task token` agree.
#   - sets the local customer identity provider, when CUSTOMER_JWKS_FILE is unset: its key pair
#     (made once into .infra/customer-keys/ by scripts/customer_keys.ts), issuer and audience, so
#     intake and `deno task customer-token` agree; and ORDER_ID_SECRET, when unset, to the local
#     stack's order id key (made once into .infra/order-id-secret).
#
#   bash scripts/with_infra.sh deno run -A test/chaos/main.ts
#   bash scripts/with_infra.sh --key-only deno run -A src/services/tokens/main.ts
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
infra=true
if [ "${1:-}" = --key-only ]; then
  infra=false
  shift
fi

if [ "$infra" = true ] && { [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ] ||
  [ -z "${KAFKA_BROKERS:-}" ]; }; then
  up=true
  for service in postgres redis kafka; do
    bash "$root/scripts/infra/ctl.sh" "$service" status >/dev/null 2>&1 || up=false
  done
  if [ "$up" = false ] || [ ! -s "$root/.infra/env" ]; then
    echo "starting the local infrastructure first (scripts/infra/up.sh; ./dev down stops it)" >&2
    bash "$root/scripts/infra/up.sh" >&2
  fi
  while IFS='=' read -r name value; do # a setting already in the environment wins
    [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
  done <"$root/.infra/env"
fi

# Exports variable $1, when unset, as the random secret kept in .infra/$2 (made once).
local_secret() {
  [ -n "${!1:-}" ] && return 0
  local file="$root/.infra/$2"
  if [ ! -s "$file" ]; then
    mkdir -p "$root/.infra"
    head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$file.tmp.$$"
    mv -n "$file.tmp.$$" "$file" 2>/dev/null || true
    rm -f "$file.tmp.$$"
  fi
  export "$1=$(cat "$file")"
}

local_secret AUTH_JWT_SECRET hub-signing-key
if [ -z "${CUSTOMER_JWKS_FILE:-}" ] && [ -z "${CUSTOMER_JWKS_URL:-}" ]; then
  keys="$root/.infra/customer-keys"
  if [ ! -s "$keys/jwks.json" ]; then
    mkdir -p "$root/.infra"
    command -v deno >/dev/null || source "$root/scripts/tools.sh"
    (cd "$root" && deno run -A --quiet scripts/customer_keys.ts "$keys")
  fi
  export CUSTOMER_JWKS_FILE="$keys/jwks.json"
  export CUSTOMER_SIGNING_KEY_FILE="${CUSTOMER_SIGNING_KEY_FILE:-$keys/signing-key.jwk}"
  export CUSTOMER_JWT_ISSUER="${CUSTOMER_JWT_ISSUER:-https://id.ovenline.local}"
  export CUSTOMER_JWT_AUDIENCE="${CUSTOMER_JWT_AUDIENCE:-ovenline-intake}"
fi
local_secret ORDER_ID_SECRET order-id-secret
exec "$@"
