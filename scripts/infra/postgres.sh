#!/usr/bin/env bash
# Local PostgreSQL 15 cluster in .infra/postgres for development and tests.
#   postgres.sh start   initdb on first use, start (or reuse), ensure role + db
#   postgres.sh stop    fast shutdown
#   postgres.sh kill    SIGKILL the postmaster and its children (fault injection)
#   postgres.sh status  exit 0 when running and accepting connections, else 3
set -euo pipefail
SERVICE=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="$OVENLINE_PG_PORT"

# Called again after installing, since the postgres user may only exist then.
set_paths() {
  PG_ROOT="$OVENLINE_INFRA/postgres"
  # The server runs as the postgres user, who cannot reach a checkout under a
  # private folder such as /root: keep the cluster in its home instead.
  if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
    mkdir -p "$OVENLINE_INFRA"
    if ! runuser -u postgres -- test -x "$OVENLINE_INFRA"; then
      PG_ROOT="$(getent passwd postgres | cut -d: -f6)/ovenline-$(echo "$OVENLINE_ROOT" | sha256sum | cut -c1-12)"
    fi
  fi
  PG_DATA="$PG_ROOT/data"
  PG_LOG="$PG_ROOT/postgres.log"
  PG_RUN="$PG_ROOT/run"
  # A unix socket path is limited to 107 bytes; a deep checkout would exceed it.
  if [ ${#PG_RUN} -gt 90 ]; then PG_RUN="/tmp/ovenline-pg.$(id -u).$PORT"; fi
}
set_paths

PG_BIN="$(pg_bindir)"

ensure_installed() {
  if [ -z "$PG_BIN" ]; then
    apt_install postgresql
    set_paths
    PG_BIN="$(pg_bindir)"
    [ -n "$PG_BIN" ] || die "no pg_ctl after installing postgresql"
  fi
}

# initdb and pg_ctl refuse to run as root: run them as the postgres OS user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pid() { pid_of "$PG_DATA/postmaster.pid" "$PG_DATA"; }
ready() { "$PG_BIN/pg_isready" -q -h "$PG_RUN" -p "$PORT" -d postgres; }
psql_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PORT" -U postgres -d postgres; }

init_cluster() {
  log "initdb $PG_DATA"
  rm -rf "$PG_DATA" # a half-made directory from an interrupted initdb
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_ROOT/initdb.log"
  echo "include_if_exists = 'ovenline.conf'" >>"$PG_DATA/postgresql.conf"
}

# Rewritten on every start so a changed port takes effect.
write_conf() {
  cat >"$PG_DATA/ovenline.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
shared_buffers = 128MB
password_encryption = scram-sha-256
EOF
}

ensure_database() {
  psql_admin <<'SQL'
SELECT 'CREATE ROLE ovenline' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ovenline')\gexec
ALTER ROLE ovenline WITH LOGIN CREATEDB PASSWORD 'ovenline';
SELECT 'CREATE DATABASE ovenline OWNER ovenline' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ovenline')\gexec
SQL
}

start() {
  ensure_installed
  if pid >/dev/null && ready; then
    log "already running on 127.0.0.1:$PORT (pid $(pid)), reusing"
  else
    if ! pid >/dev/null; then
      drop_stale_pid_file "$PG_DATA/postmaster.pid" # stale after a kill
      ! port_open "$PORT" || die "$(port_taken_message "$PORT" OVENLINE_PG_PORT)"
    fi
    mkdir -p "$PG_ROOT" "$PG_RUN"
    [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$PG_ROOT" "$PG_RUN"
    [ -s "$PG_DATA/PG_VERSION" ] || init_cluster
    write_conf
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PG_DATA/ovenline.conf"
    # -w waits until it accepts connections, including crash recovery after a kill.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 120 start >/dev/null ||
      { tail -n 30 "$PG_LOG" >&2; die "start failed (log: $PG_LOG)"; }
    log "started on 127.0.0.1:$PORT (pid $(pid))"
  fi
  ensure_database
  ovenline_write_env
}

stop() {
  if pid >/dev/null; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
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
    echo "postgres: running on 127.0.0.1:$PORT (pid $(pid)) $DATABASE_URL"
  else
    echo "postgres: not running"
    return 3
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
kill) kill_ ;;
status) status ;;
*) usage "start|stop|kill|status" ;;
esac
