#!/usr/bin/env bash
# `./dev image`: builds the Dockerfile with buildah (no Docker engine needed).
#
# The Dockerfile's base is the build argument BASE_IMAGE (default: the official
# denoland/deno:debian-2.8.3). Where that cannot be pulled (no registry), the
# base is made here: a minimal Debian bookworm from Debian's mirror
# (debootstrap) plus the deno 2.8.3 release binary from npm (.tools/deno, the
# same binary scripts/tools.sh installs), with the official image's `deno`
# user (uid 1993) and /deno-dir.
#
#   ./dev image                  build on the local base; prints the image name
#   ./dev image --base IMAGE     build on IMAGE instead (e.g. the official one)
#   ./dev image --archive        also write .tools/images/ovenline-<tag>.tar
#                                (docker-archive, for `ctr images import`)
#   ./dev image --print          print the name the current sources build to
#   ./dev image --debian-base    only make the Debian base (other images use it)
#
# The tag is the chart's appVersion plus a digest of what goes into the image
# (Dockerfile, deno.json, deno.lock, src/ without tests, lua/, migrations/), so
# a cluster that pulls IfNotPresent always gets the image of the sources.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DENO_VERSION="2.8.3"
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${OVENLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_BASE="localhost/ovenline-debian:$DEBIAN_SUITE"
LOCAL_BASE="localhost/ovenline-deno-base:$DENO_VERSION-$DEBIAN_SUITE"
REPOSITORY="localhost/ovenline"
IMAGES="$ROOT/.tools/images"

log() { echo "[image] $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

need_packages() {
  local need=() p
  for p in buildah debootstrap podman runc; do command -v "$p" >/dev/null || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing ${need[*]} (Debian)"
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

app_version() { sed -n 's/^appVersion: *//p' charts/ovenline/Chart.yaml | tr -d '"'; }

# A digest of the build context, as .dockerignore filters it.
sources_digest() {
  {
    sha256sum Dockerfile deno.json deno.lock
    find src lua migrations -type f ! -name '*_test.ts' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-12
}

image_name() { echo "$REPOSITORY:$(app_version)-$(sources_digest)"; }

have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# A minimal Debian (debootstrap minbase from Debian's mirror), without package
# lists, docs, man pages or locales: the base of every image made here.
build_debian_base() {
  have_image "$DEBIAN_BASE" && return 0
  local work t0 ctr
  t0=$(date +%s)
  work="$(mktemp -d /var/tmp/ovenline-debian.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  log "making $DEBIAN_BASE: debootstrap $DEBIAN_SUITE (minbase) from $DEBIAN_MIRROR"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  (
    cd "$work/rootfs"
    rm -rf var/cache/apt/* var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/info/* \
      usr/share/locale/* var/log/* tmp/*
    tar --numeric-owner -cf "$work/rootfs.tar" .
  )
  ctr="$(buildah from scratch)"
  buildah add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label org.opencontainers.image.description="Debian $DEBIAN_SUITE minbase" --cmd '["bash"]' "$ctr"
  buildah commit --quiet --rm "$ctr" "$DEBIAN_BASE" >/dev/null
  rm -rf "$work"
  trap - EXIT
  log "$DEBIAN_BASE made in $(($(date +%s) - t0))s"
}

# The Debian base plus what the official deno image has: the deno 2.8.3
# release binary (npm, as scripts/tools.sh installs it), the `deno` user (uid
# 1993) and /deno-dir.
build_local_base() {
  have_image "$LOCAL_BASE" && return 0
  build_debian_base
  local deno_bin="$ROOT/.tools/deno/node_modules/@deno/linux-x64-glibc/deno" ctr
  [ -x "$deno_bin" ] || deno_bin="$(readlink -f "$(command -v deno)")"
  [ "$("$deno_bin" --version | head -1 | awk '{print $2}')" = "$DENO_VERSION" ] ||
    die "$deno_bin is not deno $DENO_VERSION"
  ctr="$(buildah from "$DEBIAN_BASE")"
  buildah copy --quiet --chmod 0755 "$ctr" "$deno_bin" /usr/bin/deno >/dev/null
  buildah run "$ctr" -- sh -c 'groupadd -g 1993 deno && useradd -u 1993 -g deno -m -d /home/deno -s /usr/sbin/nologin deno &&
    install -d -o 1993 -g 1993 -m 0755 /deno-dir' >&2
  buildah config --env DENO_DIR=/deno-dir --env DENO_INSTALL_ROOT=/usr/local --workingdir / \
    --label org.opencontainers.image.description="Debian $DEBIAN_SUITE minbase + deno $DENO_VERSION (npm release binary)" \
    --cmd '["deno", "--version"]' "$ctr"
  buildah commit --quiet --rm "$ctr" "$LOCAL_BASE" >/dev/null
  log "base $LOCAL_BASE made"
}

cmd_build() { # BASE ARCHIVE
  local base="$1" archive="$2" name t0
  need_packages
  name="$(image_name)"
  if [ -z "$base" ]; then
    build_local_base
    base="$LOCAL_BASE"
  fi
  if have_image "$name" && [ -z "${OVENLINE_IMAGE_REBUILD:-}" ]; then
    log "$name is up to date"
  else
    t0=$(date +%s)
    log "building $name on $base"
    # Host network for the build steps: `deno install` fetches the npm packages deno.lock names.
    local ca=() bundle="${SSL_CERT_FILE:-${NODE_EXTRA_CA_CERTS:-}}"
    # The host's CA bundle, when it has one of its own (a TLS-inspecting proxy to the npm registry).
    if [ -n "$bundle" ] && [ -f "$bundle" ]; then
      ca=(--volume "$bundle:/run/build-ca.crt:ro" --build-arg DENO_CERT=/run/build-ca.crt)
    fi
    buildah bud --quiet --network host --layers=false --build-arg "BASE_IMAGE=$base" "${ca[@]}" \
      -f Dockerfile -t "$name" . >&2 || die "buildah bud failed"
    log "built $name in $(($(date +%s) - t0))s ($(image_size "$name"))"
  fi
  if [ "$archive" = 1 ]; then
    mkdir -p "$IMAGES"
    local file="$IMAGES/ovenline-${name##*:}.tar"
    if [ ! -f "$file" ]; then
      rm -f "$IMAGES"/ovenline-*.tar
      buildah push --quiet "$name" "docker-archive:$file.tmp:$name" >/dev/null
      mv -f "$file.tmp" "$file"
      log "archive: $file"
    fi
  fi
  echo "$name"
}

image_size() {
  podman image inspect --format "{{.Size}}" "$1" 2>/dev/null | awk '{printf "%.0f MB", $1 / 1e6}'
}

base="" archive=0
while [ $# -gt 0 ]; do
  case "$1" in
  --base) base="$2"; shift 2 ;;
  --archive) archive=1; shift ;;
  --print) image_name; exit 0 ;;
  --print-debian-base) echo "$DEBIAN_BASE"; exit 0 ;;
  --debian-base) need_packages; build_debian_base; echo "$DEBIAN_BASE"; exit 0 ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument $1 (see --help)" ;;
  esac
done
cmd_build "$base" "$archive"
