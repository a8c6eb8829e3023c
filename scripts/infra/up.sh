#!/usr/bin/env bash
# Installs what is missing, then starts (or reuses) PostgreSQL, Redis and Kafka
# with its topics, and writes .infra/env. Safe to run again at any time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A fresh machine may lack some of these: one apt transaction for all of them.
pkgs=()
[ -n "$(pg_bindir)" ] || pkgs+=(postgresql)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-server)
command -v java >/dev/null || pkgs+=(default-jre-headless)
command -v mvn >/dev/null || pkgs+=(maven)
[ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"

t0=$SECONDS
bash "$INFRA_SCRIPTS/kafka.sh" install
bash "$INFRA_SCRIPTS/postgres.sh" start
bash "$INFRA_SCRIPTS/redis.sh" start
bash "$INFRA_SCRIPTS/kafka.sh" start
bash "$INFRA_SCRIPTS/kafka.sh" topics
ovenline_write_env

bash "$INFRA_SCRIPTS/postgres.sh" status
bash "$INFRA_SCRIPTS/redis.sh" status
echo "$(bash "$INFRA_SCRIPTS/kafka.sh" status) $KAFKA_BROKERS"
echo "infra: up in $((SECONDS - t0))s; connection settings in $OVENLINE_INFRA/env"
