# shellcheck shell=bash
# Helpers shared by the service scripts in scripts/infra (sourced, not run).
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=../port_owner.sh
source "$(dirname "${BASH_SOURCE[0]}")/../port_owner.sh"

# shellcheck disable=SC2034 # used by the scripts that source this file
INFRA_SCRIPTS="$OVENLINE_ROOT/scripts/infra"

log() { echo "[infra${SERVICE:+:$SERVICE}] $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ensure_packages BINARY=DEBIAN_PACKAGE ...
# Installs, in one apt transaction, the packages whose binary is not on PATH.
# A fresh CI machine lacks some of them; apt-get update runs once, only then.
ensure_packages() {
  local spec missing=()
  for spec in "$@"; do
    command -v "${spec%%=*}" >/dev/null 2>&1 || missing+=("${spec#*=}")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

apt_install() {
  [ "$(id -u)" -eq 0 ] || die "missing $*; install them (needs root)"
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Debian puts the server binaries in /usr/lib/postgresql/<major>/bin, off PATH.
pg_bindir() {
  if command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
  else
    find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null |
      sort -V | tail -n1 | xargs -r dirname
  fi
}

# pid_of PIDFILE NEEDLE: prints the pid recorded in PIDFILE if that process is
# alive and its command line contains NEEDLE (guards against a reused pid).
pid_of() {
  local file="$1" needle="$2" pid
  [ -f "$file" ] || return 1
  pid="$(head -n1 "$file" 2>/dev/null | tr -dc '0-9')"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle" || return 1
  echo "$pid"
}

# drop_stale_pid_file FILE: removes a pid file whose process is gone (after a kill or a reboot).
# A live process keeps its file even when it is not the one asked for (another port setting).
drop_stale_pid_file() {
  local pid
  pid="$(head -n1 "$1" 2>/dev/null | tr -dc '0-9' || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || rm -f "$1"
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# wait_gone PID SECONDS: waits for a process to exit; fails on timeout.
wait_gone() {
  local pid="$1" i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# kill_tree PID: SIGKILL a process and its direct children, as a crash or an
# OOM kill would (postgres' children would otherwise linger on the old shared
# memory and delay the restart).
kill_tree() {
  local pid="$1" kids
  mapfile -t kids < <(pgrep -P "$pid" || true)
  kill -KILL "$pid" "${kids[@]}" 2>/dev/null || true
  for pid in "$pid" "${kids[@]}"; do wait_gone "$pid" 10 || true; done
}

usage() {
  echo "usage: $0 {$1}" >&2
  exit 2
}
