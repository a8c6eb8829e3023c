#!/usr/bin/env bash
# The operators the chart stands on, built here from the Go module proxy and
# installed into the single-node cluster (scripts/k8s/cluster.sh):
#   - KEDA $KEDA_VERSION: the operator and its metrics API server (the
#     external.metrics.k8s.io APIService the consumer's ScaledObject needs),
#     from github.com/kedacore/keda/v2, installed from the module's own
#     kustomize configuration (config/crd, rbac, manager, metrics-server);
#     the admission webhooks are left out.
#   - CloudNativePG $CNPG_VERSION: the operator (github.com/cloudnative-pg/
#     cloudnative-pg cmd/manager, which is also the instance manager its pods
#     run), and its operand image: Debian's PostgreSQL on the Debian base.
# Strimzi is not here: its operator is not published on Maven Central (only its
# `api` jar is), so the cluster's Kafka is the one of `./dev up` (docs/deploy.md).
#
#   operators.sh build          build binaries and images (cached by version)
#   operators.sh install NAME   import the images and apply NAME (keda|cnpg),
#                               wait until its Deployments are available
#   operators.sh uninstall NAME
#   operators.sh image NAME     the image reference of NAME (cnpg-postgres, ...)
set -euo pipefail
LOG_TAG=operators
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$K8S_ROOT"
ARCHIVES="$ROOT/.tools/images"

KEDA_VERSION="${OVENLINE_KEDA_VERSION:-v2.19.0}"
CNPG_VERSION="${OVENLINE_CNPG_VERSION:-v1.29.0}"
KEDA_MODULE="github.com/kedacore/keda/v2"
CNPG_MODULE="github.com/cloudnative-pg/cloudnative-pg"
KEDA_OPERATOR_BIN="$BIN/keda-operator-$KEDA_VERSION"
KEDA_ADAPTER_BIN="$BIN/keda-adapter-$KEDA_VERSION"
CNPG_MANAGER_BIN="$BIN/cnpg-manager-$CNPG_VERSION"
DEBIAN_BASE="$(bash "$ROOT/scripts/image.sh" --print-debian-base)"

eval "$(bash "$ROOT/scripts/k8s/build.sh" --print)"
kctl() { "$KUBECTL" --kubeconfig "$ROOT/.infra/cluster/kubeconfig" "$@"; }

build_binaries() {
  local dir
  mkdir -p "$BIN"
  if [ ! -x "$KEDA_OPERATOR_BIN" ] || [ ! -x "$KEDA_ADAPTER_BIN" ]; then
    dir="$(write_replacing_module keda "$KEDA_MODULE" "$KEDA_VERSION")"
    local ld="-X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
    ld+=" -X github.com/kedacore/keda/v2/version.GitCommit=release"
    [ -x "$KEDA_OPERATOR_BIN" ] ||
      build_one "keda operator $KEDA_VERSION" "$KEDA_OPERATOR_BIN" "$dir" "$ld" "$KEDA_MODULE/cmd/operator"
    [ -x "$KEDA_ADAPTER_BIN" ] ||
      build_one "keda metrics server $KEDA_VERSION" "$KEDA_ADAPTER_BIN" "$dir" "$ld" "$KEDA_MODULE/cmd/adapter"
  else
    log "keda $KEDA_VERSION cached"
  fi
  if [ ! -x "$CNPG_MANAGER_BIN" ]; then
    dir="$(write_replacing_module cnpg "$CNPG_MODULE" "$CNPG_VERSION")"
    local ld="-X $CNPG_MODULE/pkg/versions.buildVersion=${CNPG_VERSION#v}"
    build_one "cloudnative-pg $CNPG_VERSION" "$CNPG_MANAGER_BIN" "$dir" "$ld" "$CNPG_MODULE/cmd/manager"
  else
    log "cloudnative-pg $CNPG_VERSION cached"
  fi
}

pg_version() { apt-cache show postgresql-15 2>/dev/null | sed -n 's/^Version: \([0-9]*\.[0-9]*\).*/\1/p' | head -1; }

image() {
  case "$1" in
  keda) echo "localhost/ovenline-keda:$KEDA_VERSION" ;;
  keda-metrics-apiserver) echo "localhost/ovenline-keda-metrics-apiserver:$KEDA_VERSION" ;;
  cnpg) echo "localhost/ovenline-cnpg:$CNPG_VERSION" ;;
  # CloudNativePG reads the PostgreSQL major version from the tag.
  cnpg-postgres) echo "localhost/ovenline-postgres:$(pg_version)" ;;
  *) die "unknown image $1" ;;
  esac
}

archive_of() { local n; n="$(image "$1")"; echo "$ARCHIVES/${n#localhost/}.tar" | tr ':' '_'; }
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# static_image NAME BINARY PATH: an image of one static binary at PATH, run as 65532.
static_image() {
  local ref ctr
  ref="$(image "$1")"
  have_image "$ref" && return 0
  ctr="$(buildah from scratch)"
  buildah copy --quiet --chmod 0755 "$ctr" "$2" "$3" >/dev/null
  buildah config --entrypoint "[\"$3\"]" --user 65532:65532 "$ctr"
  buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
  log "built $ref"
}

# As the release image lays it out: the operator learns which architectures it can run
# instances on from /operator/manager_<arch>, and /manager points at its own.
cnpg_image() {
  local ref ctr work
  ref="$(image cnpg)"
  have_image "$ref" && return 0
  work="$(mktemp -d)"
  mkdir "$work/operator"
  install -m 0755 "$CNPG_MANAGER_BIN" "$work/operator/manager_amd64"
  ln -s operator/manager_amd64 "$work/manager"
  ctr="$(buildah from scratch)"
  buildah copy --quiet "$ctr" "$work" / >/dev/null
  buildah config --entrypoint '["/manager"]' --user 65532:65532 "$ctr"
  buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
  rm -rf "$work"
  log "built $ref"
}

# The operand: Debian's PostgreSQL, its binaries on PATH, user postgres with CloudNativePG's
# default uid/gid 26 (initdb needs a passwd entry for the user it runs as).
postgres_image() {
  local ref ctr major
  ref="$(image cnpg-postgres)"
  have_image "$ref" && return 0
  major="${ref##*:}"
  major="${major%%.*}"
  ctr="$(buildah from "$DEBIAN_BASE")"
  buildah run --network host "$ctr" -- sh -c "
    groupmod -n postgres \$(getent group 26 | cut -d: -f1) && useradd -r -u 26 -g 26 -d /var/lib/postgresql -s /bin/bash postgres &&
    mkdir -p /etc/postgresql-common/createcluster.d &&
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf &&
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql-$major >/dev/null &&
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*" >&2
  buildah config --user 26:26 \
    --env "PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$ctr"
  buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
  log "built $ref"
}

build_images() {
  static_image keda "$KEDA_OPERATOR_BIN" /keda
  static_image keda-metrics-apiserver "$KEDA_ADAPTER_BIN" /keda-adapter
  cnpg_image
  postgres_image
  local name file
  mkdir -p "$ARCHIVES"
  for name in keda keda-metrics-apiserver cnpg cnpg-postgres; do
    file="$(archive_of "$name")"
    [ -f "$file" ] && continue
    buildah push --quiet "$(image "$name")" "docker-archive:$file.tmp:$(image "$name")" >/dev/null
    mv -f "$file.tmp" "$file"
  done
}

cmd_build() {
  lock 8 "$TOOLS"
  build_binaries
  bash "$ROOT/scripts/image.sh" --debian-base >/dev/null
  build_images
}

# attempt TIMES COMMAND...: runs COMMAND until it succeeds, 5 s apart. A cluster that has just
# come up can refuse a request for a moment (an API server still settling, containerd busy).
attempt() {
  local times="$1" n
  shift
  for ((n = 1; ; n++)); do
    "$@" && return 0
    [ "$n" -lt "$times" ] || return 1
    log "attempt $n of $times failed: $*; again in 5s"
    sleep 5
  done
}

import() {
  local name
  for name in "$@"; do
    attempt 3 bash "$ROOT/scripts/k8s/cluster.sh" import "$(archive_of "$name")" ||
      die "importing $(image "$name") failed"
  done
}

# KEDA from its module's kustomize configuration, with the images built here.
keda_manifests() {
  local src dir="$TOOLS/keda-$KEDA_VERSION-install" overlay
  src="$(module_dir "$KEDA_MODULE@$KEDA_VERSION")"
  overlay="$dir/install"
  rm -rf "$dir"
  mkdir -p "$overlay"
  cp -r "$src/config" "$dir/upstream"
  chmod -R u+w "$dir/upstream"
  cat >"$overlay/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../upstream/crd
  - ../upstream/general
  - ../upstream/rbac
  - ../upstream/manager
  - ../upstream/metrics-server
  - ../upstream/service_account
images:
  - { name: ghcr.io/kedacore/keda, newName: "$(image keda | cut -d: -f1)", newTag: "$KEDA_VERSION" }
  - name: ghcr.io/kedacore/keda-metrics-apiserver
    newName: "$(image keda-metrics-apiserver | cut -d: -f1)"
    newTag: "$KEDA_VERSION"
patches:
  - target: { kind: Deployment }
    patch: |-
      - { op: replace, path: /spec/template/spec/containers/0/imagePullPolicy, value: IfNotPresent }
EOF
  kctl kustomize "$overlay"
}

# CloudNativePG's release manifest from its module, with the images built here.
cnpg_manifests() {
  local releases release
  releases="$(module_dir "$CNPG_MODULE@$CNPG_VERSION")/releases"
  release="$releases/cnpg-${CNPG_VERSION#v}.yaml"
  [ -f "$release" ] || die "no $release"
  sed -e "s#ghcr.io/cloudnative-pg/cloudnative-pg:${CNPG_VERSION#v}#$(image cnpg)#g" \
    -e "s#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#g" "$release"
  # The operand image every Cluster gets unless it names its own.
  cat <<EOF
---
apiVersion: v1
kind: ConfigMap
metadata: { name: cnpg-controller-manager-config, namespace: cnpg-system }
data:
  POSTGRES_IMAGE_NAME: "$(image cnpg-postgres)"
EOF
}

# What a failed install leaves to read, the most telling last (CI keeps the end of the output):
# each pod's container logs (the previous run's too, for a container that restarted), the
# namespace's recent events and its pods.
diagnose() { # NAMESPACE
  local pod
  {
    for pod in $(kctl -n "$1" get pods -o name); do
      echo "--- logs of $pod"
      kctl -n "$1" logs "$pod" --all-containers --tail 15
      kctl -n "$1" logs "$pod" --all-containers --tail 10 --previous 2>/dev/null
    done
    echo "--- events in $1"
    kctl -n "$1" get events --sort-by=.lastTimestamp | tail -15
    echo "--- pods in $1"
    kctl -n "$1" get pods -o wide
  } >&2 || true
}

wait_deployments() { # NAMESPACE
  kctl -n "$1" wait deployment --all --for condition=Available --timeout 300s >&2 ||
    { diagnose "$1"; die "the Deployments in $1 did not become available"; }
}

apply_manifests() { # GENERATOR NAME: applies what GENERATOR prints, again if the API server refuses
  local file
  file="$(mktemp)"
  "$1" >"$file"
  attempt 3 kctl apply --server-side --force-conflicts -f "$file" >/dev/null ||
    { rm -f "$file"; die "applying the $2 manifests failed"; }
  rm -f "$file"
}

cmd_install() {
  local t0=$SECONDS i
  case "$1" in
  keda)
    import keda keda-metrics-apiserver
    apply_manifests keda_manifests keda
    wait_deployments keda
    # The external metrics API answers once the operator has issued its certificates.
    for ((i = 0; i < 120; i++)); do
      [ "$(kctl get apiservice v1beta1.external.metrics.k8s.io \
        -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" = True ] && break
      sleep 1
    done
    if [ "$i" -ge 120 ]; then
      kctl get apiservice v1beta1.external.metrics.k8s.io -o yaml >&2 || true
      diagnose keda
      die "the external metrics APIService is not available"
    fi
    ;;
  cnpg)
    import cnpg cnpg-postgres
    apply_manifests cnpg_manifests cloudnative-pg
    wait_deployments cnpg-system
    ;;
  *) die "unknown operator $1 (keda|cnpg)" ;;
  esac
  log "$1 installed in $((SECONDS - t0))s"
}

cmd_uninstall() {
  case "$1" in
  keda) keda_manifests | kctl delete --ignore-not-found --wait=true -f - >/dev/null ;;
  cnpg) cnpg_manifests | kctl delete --ignore-not-found --wait=true -f - >/dev/null ;;
  *) die "unknown operator $1 (keda|cnpg)" ;;
  esac
}

case "${1:-}" in
build) cmd_build ;;
install) cmd_install "${2:?operator}" ;;
uninstall) cmd_uninstall "${2:?operator}" ;;
image) image "${2:?name}" ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
