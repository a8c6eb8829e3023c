# shellcheck shell=bash
# Local infrastructure settings, sourced by every script in scripts/infra and
# usable from an interactive shell (`source scripts/infra/env.sh`), so it sets
# no shell options and starts nothing.
#
# Ports can be overridden from the environment (each variable, or OVENLINE_PORT_BASE); the client-facing variables the
# services read (DATABASE_URL, REDIS_URL, KAFKA_BROKERS) are derived from them.

OVENLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OVENLINE_INFRA="$OVENLINE_ROOT/.infra" # git-ignored: data, logs, pid files

# Each checkout gets its own block of ten ports in 20000-29999 (below Linux's ephemeral range),
# picked from a hash of its path, so two clones on one machine run their stacks side by side.
ovenline_port_block() {
  local sum
  sum="$(printf '%s' "$OVENLINE_ROOT" | cksum | cut -d' ' -f1)"
  echo $((20000 + (sum % 1000) * 10))
}
OVENLINE_PORT_BASE="${OVENLINE_PORT_BASE:-$(ovenline_port_block)}"
OVENLINE_PG_PORT="${OVENLINE_PG_PORT:-$((OVENLINE_PORT_BASE + 0))}"
OVENLINE_REDIS_PORT="${OVENLINE_REDIS_PORT:-$((OVENLINE_PORT_BASE + 1))}"
OVENLINE_KAFKA_PORT="${OVENLINE_KAFKA_PORT:-$((OVENLINE_PORT_BASE + 2))}"
OVENLINE_KAFKA_CONTROLLER_PORT="${OVENLINE_KAFKA_CONTROLLER_PORT:-$((OVENLINE_PORT_BASE + 3))}"
# scripts/k8s/apiserver.sh: the test API server and its etcd.
OVENLINE_K8S_API_PORT="${OVENLINE_K8S_API_PORT:-$((OVENLINE_PORT_BASE + 4))}"
OVENLINE_ETCD_PORT="${OVENLINE_ETCD_PORT:-$((OVENLINE_PORT_BASE + 5))}"
OVENLINE_ETCD_PEER_PORT="${OVENLINE_ETCD_PEER_PORT:-$((OVENLINE_PORT_BASE + 6))}"
OVENLINE_KAFKA_PARTITIONS="${OVENLINE_KAFKA_PARTITIONS:-6}"
# Pods of the single-node cluster (scripts/k8s/cluster.sh) reach this Kafka on the node's
# address: with OVENLINE_KAFKA_POD_ADDRESS set, the broker gets a second listener there.
OVENLINE_KAFKA_POD_PORT="${OVENLINE_KAFKA_POD_PORT:-$((OVENLINE_PORT_BASE + 7))}"

export OVENLINE_ROOT OVENLINE_INFRA OVENLINE_PORT_BASE OVENLINE_PG_PORT OVENLINE_REDIS_PORT \
  OVENLINE_KAFKA_PORT OVENLINE_KAFKA_CONTROLLER_PORT OVENLINE_KAFKA_PARTITIONS \
  OVENLINE_K8S_API_PORT OVENLINE_ETCD_PORT OVENLINE_ETCD_PEER_PORT OVENLINE_KAFKA_POD_PORT

export DATABASE_URL="postgres://ovenline:ovenline@127.0.0.1:$OVENLINE_PG_PORT/ovenline"
export REDIS_URL="redis://127.0.0.1:$OVENLINE_REDIS_PORT"
export KAFKA_BROKERS="127.0.0.1:$OVENLINE_KAFKA_PORT"

# Writes .infra/env (KEY=VALUE lines) for deno processes and tests that do not
# go through these scripts. Written via a temp file so a reader never sees half.
ovenline_write_env() {
  mkdir -p "$OVENLINE_INFRA"
  local tmp="$OVENLINE_INFRA/env.tmp.$$"
  {
    echo "DATABASE_URL=$DATABASE_URL"
    echo "REDIS_URL=$REDIS_URL"
    echo "KAFKA_BROKERS=$KAFKA_BROKERS"
  } >"$tmp"
  mv -f "$tmp" "$OVENLINE_INFRA/env"
}
