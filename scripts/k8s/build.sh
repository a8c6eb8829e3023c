#!/usr/bin/env bash
# Builds everything the single-node cluster (scripts/k8s/cluster.sh) runs, from
# the Go module proxy, into .tools/k8s (cached: a component whose pinned
# version is there is skipped):
#   - etcd and kube-apiserver (lib.sh, as scripts/k8s/apiserver.sh builds them);
#   - kubelet, kube-controller-manager, kube-scheduler, kube-proxy and kubectl,
#     built from the same generated module as kube-apiserver;
#   - containerd, ctr and containerd-shim-runc-v2 (runc itself is Debian's);
#   - crictl (cri-tools), CoreDNS;
#   - the pause program of the sandbox image (k8s.io/kubernetes build/pause, gcc -static).
# Cold Go caches: ~25 min on 2 cores (kubelet is the longest); warm: seconds.
#   scripts/k8s/build.sh          build what is missing
#   scripts/k8s/build.sh --print  print NAME=PATH lines of the built binaries
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONTAINERD_VERSION="${OVENLINE_CONTAINERD_VERSION:-v2.4.2}"
CRICTL_VERSION="${OVENLINE_CRICTL_VERSION:-v1.37.0}"
COREDNS_VERSION="${OVENLINE_COREDNS_VERSION:-v1.15.0}"
K8S_COMMANDS=(kubelet kube-controller-manager kube-scheduler kube-proxy kubectl)

CONTAINERD_DIR="$TOOLS/containerd-$CONTAINERD_VERSION"
CRICTL_DIR="$TOOLS/crictl-$CRICTL_VERSION"
COREDNS_DIR="$TOOLS/coredns-$COREDNS_VERSION"
PAUSE_BIN="$BIN/pause-$K8S_VERSION"

print_paths() {
  local c
  echo "ETCD=$ETCD_BIN"
  echo "KUBE_APISERVER=$APISERVER_BIN"
  for c in "${K8S_COMMANDS[@]}"; do
    echo "$(tr 'a-z-' 'A-Z_' <<<"$c")=$BIN/$c-$K8S_VERSION"
  done
  echo "CONTAINERD=$CONTAINERD_DIR/containerd"
  echo "CTR=$CONTAINERD_DIR/ctr"
  echo "CONTAINERD_SHIM=$CONTAINERD_DIR/containerd-shim-runc-v2"
  echo "CRICTL=$CRICTL_DIR/crictl"
  echo "COREDNS=$COREDNS_DIR/coredns"
  echo "PAUSE=$PAUSE_BIN"
  echo "K8S_VERSION=$K8S_VERSION"
}

build_pause() {
  [ -x "$PAUSE_BIN" ] && { log "pause cached"; return 0; }
  local dir
  dir="$(module_dir "k8s.io/kubernetes@$K8S_VERSION")"
  [ -f "$dir/build/pause/linux/pause.c" ] || die "no build/pause/linux/pause.c in k8s.io/kubernetes@$K8S_VERSION"
  command -v gcc >/dev/null || die "gcc is needed for the pause program"
  gcc -Os -static -Wall -Werror -DVERSION="$K8S_VERSION-ovenline" -o "$PAUSE_BIN.tmp" \
    "$dir/build/pause/linux/pause.c" || die "building pause failed"
  strip "$PAUSE_BIN.tmp"
  mv -f "$PAUSE_BIN.tmp" "$PAUSE_BIN"
  log "built pause: $PAUSE_BIN"
}

cmd_build() {
  lock 8 "$TOOLS"
  build_control_plane
  local c dir="" out
  for c in "${K8S_COMMANDS[@]}"; do
    out="$BIN/$c-$K8S_VERSION"
    if [ -x "$out" ]; then
      log "$c $K8S_VERSION cached"
      continue
    fi
    [ -n "$dir" ] || dir="$(write_kubernetes_module)"
    build_one "$c $K8S_VERSION" "$out" "$dir" "$(kubernetes_ldflags)" "k8s.io/kubernetes/cmd/$c"
  done
  # containerd without the snapshotters that need cgo or kernel modules absent here.
  go_install "containerd $CONTAINERD_VERSION" "$CONTAINERD_DIR" "no_btrfs no_devmapper no_zfs no_aufs" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION"
  go_install "crictl $CRICTL_VERSION" "$CRICTL_DIR" "" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  go_install "coredns $COREDNS_VERSION" "$COREDNS_DIR" "" "github.com/coredns/coredns@$COREDNS_VERSION"
  build_pause
}

case "${1:-}" in
"") cmd_build ;;
--print) print_paths ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
