#!/usr/bin/env bash
# Starts or stops Ovenline's own services in the background for the local
# stack (logs in .infra/logs, pids in .infra/run). `start` brings the infrastructure up first when
# it is not running (scripts/with_infra.sh).
#   scripts/services.sh start [service...]    (default: all that exist)
#   scripts/services.sh stop  [service...]
#   scripts/services.sh status
# Telemetry (OpenTelemetry, Deno's built-in exporter):
#   OTEL=print      to `deno task otel:print` on 127.0.0.1:${OTEL_PRINT_PORT:-4318} (OTLP/HTTP JSON)
#   OTEL=collector  to an OpenTelemetry Collector at $OTEL_EXPORTER_OTLP_ENDPOINT
#                   (default http://127.0.0.1:4318, OTLP/HTTP protobuf)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/tools.sh
source scripts/port_owner.sh
# start: the infrastructure and the hub's token signing key first (scripts/with_infra.sh).
if [ "${1:-}" = start ] && [ -z "${OVENLINE_WITH_INFRA:-}" ]; then
  OVENLINE_WITH_INFRA=1 exec bash scripts/with_infra.sh bash "$0" "$@"
fi
export KAFKAJS_NO_PARTITIONER_WARNING=1
# Where pids and logs go; a test of the demo points these elsewhere to run beside a developer's stack.
run_dir="${OVENLINE_RUN_DIR:-.infra/run}"
log_dir="${OVENLINE_LOG_DIR:-.infra/logs}"
mkdir -p "$run_dir" "$log_dir"

case "${OTEL:-}" in
"") ;;
print)
  export OTEL_DENO=true OTEL_EXPORTER_OTLP_PROTOCOL=http/json
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:${OTEL_PRINT_PORT:-4318}"
  export OTEL_METRIC_EXPORT_INTERVAL="${OTEL_METRIC_EXPORT_INTERVAL:-10000}"
  export OTEL_BSP_SCHEDULE_DELAY="${OTEL_BSP_SCHEDULE_DELAY:-500}" # spans out within a second
  ;;
collector)
  export OTEL_DENO=true
  export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT:-http://127.0.0.1:4318}"
  export OTEL_EXPORTER_OTLP_PROTOCOL="${OTEL_EXPORTER_OTLP_PROTOCOL:-http/protobuf}"
  ;;
*)
  echo "OTEL must be print or collector, got '$OTEL'" >&2
  exit 2
  ;;
esac

ALL=(consumer intake promoter hub)
action="${1:-status}"
shift || true
wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  for s in "${ALL[@]}"; do [ -f "src/services/$s/main.ts" ] && wanted+=("$s"); done
fi

running() { [ -f "$run_dir/$1.pid" ] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

# The port each service answers on once it is ready (its readiness, for this script's purpose).
ready_port() {
  case "$1" in
  intake) echo "${GRPC_PORT:-50051}" ;;
  consumer) echo "${HEALTH_PORT:-8081}" ;;
  promoter) echo "${PROMOTER_HEALTH_PORT:-8082}" ;;
  hub) echo "${HUB_PORT:-8080}" ;;
  esac
}

port_variable() {
  case "$1" in
  intake) echo GRPC_PORT ;;
  consumer) echo HEALTH_PORT ;;
  promoter) echo PROMOTER_HEALTH_PORT ;;
  hub) echo HUB_PORT ;;
  esac
}

wait_ready() {
  local port
  port="$(ready_port "$1")"
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    running "$1" || { echo "$1: exited during start-up; last lines of $log_dir/$1.log:" >&2; tail -20 "$log_dir/$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$1: not answering on port $port after 60 s ($log_dir/$1.log)" >&2
  return 1
}

case "$action" in
start)
  # A fresh database needs the schema before the consumer's first partition check.
  deno run -A --quiet src/adapters/postgres/migrate_cli.ts >>"$log_dir/migrate.log" 2>&1 ||
    { echo "migrations failed; see $log_dir/migrate.log" >&2; exit 1; }
  for s in "${wanted[@]}"; do
    if running "$s"; then echo "$s: already running (pid $(cat "$run_dir/$s.pid"))"; continue; fi
    port="$(ready_port "$s")"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$s: $(port_taken_message "$port" "$(port_variable "$s")")" >&2
      exit 1
    fi
    v8_flags="$(awk -F'\t' -v s="$s" '$1 == s { print "--v8-flags=" $2 }' src/services/v8_flags.tsv)"
    # shellcheck disable=SC2086 # v8_flags is one word or none
    OTEL_SERVICE_NAME="${OTEL_SERVICE_NAME_PREFIX:-ovenline-}$s" \
      nohup deno run -A --quiet $v8_flags "src/services/$s/main.ts" >>"$log_dir/$s.log" 2>&1 &
    echo $! >"$run_dir/$s.pid"
    wait_ready "$s"
    echo "$s: ready (pid $(cat "$run_dir/$s.pid"), log $log_dir/$s.log)"
  done
  ;;
stop)
  for s in "${wanted[@]}"; do
    if running "$s"; then
      kill "$(cat "$run_dir/$s.pid")" && echo "$s: stopped"
    fi
    rm -f "$run_dir/$s.pid"
  done
  ;;
status)
  for s in "${wanted[@]}"; do
    if running "$s"; then echo "$s: running (pid $(cat "$run_dir/$s.pid"))"; else echo "$s: stopped"; fi
  done
  ;;
*)
  echo "usage: $0 start|stop|status [service...]" >&2
  exit 2
  ;;
esac
