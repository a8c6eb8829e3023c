#!/usr/bin/env bash
# Local Redis 7 in .infra/redis, without persistence: the services rebuild
# Redis state from PostgreSQL at start-up, and the tests rely on that.
#   redis.sh start   start (or reuse)
#   redis.sh stop    shutdown without saving
#   redis.sh kill    SIGKILL (fault injection)
#   redis.sh status  exit 0 when running and answering PING, else 3
#   redis.sh flush   FLUSHALL
set -euo pipefail
SERVICE=redis
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

R_DIR="$OVENLINE_INFRA/redis"
R_PID="$R_DIR/redis.pid"
R_LOG="$R_DIR/redis.log"
PORT="$OVENLINE_REDIS_PORT"

pid() { pid_of "$R_PID" "redis-server 127.0.0.1:$PORT"; }
cli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
ready() { [ "$(cli ping 2>/dev/null)" = PONG ]; }

start() {
  ensure_packages redis-server=redis-server redis-cli=redis-server
  if pid >/dev/null && ready; then
    log "already running on 127.0.0.1:$PORT (pid $(pid)), reusing"
  else
    if ! pid >/dev/null; then
      drop_stale_pid_file "$R_PID"
      ! port_open "$PORT" || die "$(port_taken_message "$PORT" OVENLINE_REDIS_PORT)"
    fi
    mkdir -p "$R_DIR"
    cat >"$R_DIR/redis.conf" <<EOF
bind 127.0.0.1
port $PORT
daemonize yes
pidfile $R_PID
logfile $R_LOG
dir $R_DIR
save ""
appendonly no
EOF
    redis-server "$R_DIR/redis.conf"
    local i
    for ((i = 0; i < 100; i++)); do
      ready && break
      sleep 0.1
    done
    ready || { tail -n 20 "$R_LOG" >&2; die "not answering after 10s (log: $R_LOG)"; }
    log "started on 127.0.0.1:$PORT (pid $(pid))"
  fi
  ovenline_write_env
}

stop() {
  local p
  if p="$(pid)"; then
    cli shutdown nosave >/dev/null 2>&1 || kill -TERM "$p" 2>/dev/null || true
    wait_gone "$p" 20 || kill -KILL "$p" 2>/dev/null || true
    rm -f "$R_PID"
    log "stopped"
  else
    log "not running"
  fi
}

kill_() {
  local p
  if p="$(pid)"; then
    kill_tree "$p"
    log "killed pid $p"
  else
    log "not running"
  fi
}

status() {
  if pid >/dev/null && ready; then
    echo "redis: running on 127.0.0.1:$PORT (pid $(pid)) $REDIS_URL"
  else
    echo "redis: not running"
    return 3
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
kill) kill_ ;;
status) status ;;
flush) cli flushall >/dev/null && log "flushed" ;;
*) usage "start|stop|kill|status|flush" ;;
esac
