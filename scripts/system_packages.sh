#!/usr/bin/env bash
# Installs the Debian packages the project's tools and tests need, only those
# missing (one apt-get update at most). PostgreSQL, Redis and Java/Maven for
# the Kafka broker are handled by scripts/infra (they install what they need).
set -euo pipefail

need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/timestamp.proto ] || need+=(libprotobuf-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v curl >/dev/null || need+=(curl)
command -v faketime >/dev/null || need+=(faketime) # the clock sweep (scripts/clock_sweep.ts)
# Prometheus and promtool (Debian's 2.42): the alert rules' unit tests and the scrape test.
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || need+=(prometheus)

if [ ${#need[@]} -gt 0 ]; then
  echo "system: installing ${need[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
