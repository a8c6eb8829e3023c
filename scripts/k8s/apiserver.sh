#!/usr/bin/env bash
# A real kube-apiserver with etcd on loopback, for tests that need Kubernetes
# without Docker or a cluster. Both are built from the Go module proxy:
#   - kube-apiserver from k8s.io/kubernetes, in a generated module whose go.mod
#     pins every k8s.io/* staging module (v0.X.Y) to the release (v1.X.Y);
#   - etcd from go.etcd.io/etcd/server/v3 (its etcdmain).
#
#   scripts/k8s/apiserver.sh build    build both into .tools/k8s/bin (cached:
#                                     skipped when the pinned binaries exist)
#   scripts/k8s/apiserver.sh start    build if needed, generate certs, start etcd
#                                     and kube-apiserver, wait for /readyz,
#                                     write .infra/k8s/kubeconfig
#   scripts/k8s/apiserver.sh stop     stop what start started (pid files)
#   scripts/k8s/apiserver.sh status   exit 0 when both run and /readyz is ok
#   scripts/k8s/apiserver.sh env      print `export KUBECONFIG=...` lines:
#                                     eval "$(scripts/k8s/apiserver.sh env)"
#   scripts/k8s/apiserver.sh wipe     stop, then delete the etcd data and certs
#
# Admin access: a client certificate with O=system:masters (RBAC is on), in the
# kubeconfig. Binaries and generated modules live in .tools/k8s (cache),
# runtime state (certs, etcd data, logs, pids, kubeconfig) in .infra/k8s; both
# are git-ignored. Go's own caches (GOMODCACHE, GOCACHE) are the defaults, so
# a CI run in a fresh clone on the same machine relinks in seconds; a machine
# with cold Go caches downloads ~120 MB of modules and compiles for ~8 min.
# Settings (environment): OVENLINE_K8S_VERSION, OVENLINE_ETCD_VERSION,
# OVENLINE_K8S_API_PORT, OVENLINE_ETCD_PORT, OVENLINE_ETCD_PEER_PORT (defaults: this checkout's
# port block, scripts/infra/env.sh), OVENLINE_K8S_READY_TIMEOUT (180 s).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$K8S_ROOT"
# shellcheck source=../infra/env.sh
source "$ROOT/scripts/infra/env.sh" # this checkout's ports
# shellcheck source=../port_owner.sh
source "$ROOT/scripts/port_owner.sh"
STATE="$ROOT/.infra/k8s"
PKI="$STATE/pki"
LOGS="$STATE/logs"
RUN="$STATE/run"

API_PORT="$OVENLINE_K8S_API_PORT"
ETCD_PORT="$OVENLINE_ETCD_PORT"
ETCD_PEER_PORT="$OVENLINE_ETCD_PEER_PORT"
SERVICE_CIDR="10.0.0.0/24" # only allocated from, never routed: nothing is sent there
READY_TIMEOUT="${OVENLINE_K8S_READY_TIMEOUT:-180}"

KUBECONFIG_FILE="$STATE/kubeconfig"
SERVER_URL="https://127.0.0.1:$API_PORT"

cmd_build() {
  lock 8 "$TOOLS"
  build_control_plane
}

# ---------------------------------------------------------------- certs ----

gen_certs() {
  [ -f "$PKI/admin.crt" ] && [ -f "$PKI/sa.pub" ] && return 0
  command -v openssl >/dev/null || die "openssl not found"
  log "generating certificates in $PKI"
  rm -rf "$PKI"
  mkdir -p "$PKI"
  (
    cd "$PKI"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -keyout ca.key -out ca.crt \
      -subj "/CN=ovenline-test-ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # Serving certificate for 127.0.0.1 and the in-cluster names.
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    cat >apiserver.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -sha256 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # Admin client certificate: O=system:masters is bound to cluster-admin.
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=ovenline-admin" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -sha256 -extfile admin.ext -out admin.crt 2>/dev/null
    # Service-account token signing key pair.
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  )
}

write_kubeconfig() {
  local tmp="$KUBECONFIG_FILE.tmp.$$"
  b64() { base64 -w0 <"$1"; }
  umask 077
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ovenline-test
  cluster:
    server: $SERVER_URL
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: ovenline-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: ovenline-test
  context:
    cluster: ovenline-test
    user: ovenline-admin
    namespace: default
current-context: ovenline-test
EOF
  mv -f "$tmp" "$KUBECONFIG_FILE"
}

# ------------------------------------------------------------ processes ----


api_ready() {
  curl -fsS -m 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "$SERVER_URL/readyz" >/dev/null 2>&1
}

cmd_start() {
  cmd_build
  lock 9 "$STATE"
  mkdir -p "$LOGS" "$RUN"
  [ -d "$STATE/etcd" ] || mkdir -m 700 "$STATE/etcd"
  gen_certs
  local t0 pid
  t0=$(date +%s%N)

  if pid="$(pid_of etcd "$ETCD_BIN")"; then
    log "etcd already running (pid $pid)"
  else
    port_open "$ETCD_PORT" && die "$(port_taken_message "$ETCD_PORT" OVENLINE_ETCD_PORT)"
    port_open "$ETCD_PEER_PORT" && die "$(port_taken_message "$ETCD_PEER_PORT" OVENLINE_ETCD_PEER_PORT)"
    spawn etcd "$LOGS/etcd.log" "$ETCD_BIN" \
      --name ovenline \
      --data-dir "$STATE/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "ovenline=http://127.0.0.1:$ETCD_PEER_PORT" \
      --quota-backend-bytes 1073741824 \
      --log-level warn
  fi
  pid="$(cat "$RUN/etcd.pid")"
  wait_for etcd 60 "$pid" etcd_healthy || die "etcd did not start"

  if pid="$(pid_of kube-apiserver "$APISERVER_BIN")"; then
    log "kube-apiserver already running (pid $pid)"
  else
    port_open "$API_PORT" && die "$(port_taken_message "$API_PORT" OVENLINE_K8S_API_PORT)"
    spawn kube-apiserver "$LOGS/kube-apiserver.log" "$APISERVER_BIN" \
      --bind-address 127.0.0.1 \
      --advertise-address 127.0.0.1 \
      --secure-port "$API_PORT" \
      --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
      --tls-cert-file "$PKI/apiserver.crt" \
      --tls-private-key-file "$PKI/apiserver.key" \
      --client-ca-file "$PKI/ca.crt" \
      --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc.cluster.local \
      --service-account-key-file "$PKI/sa.pub" \
      --service-account-signing-key-file "$PKI/sa.key" \
      --service-cluster-ip-range "$SERVICE_CIDR" \
      --endpoint-reconciler-type none \
      --allow-privileged=true \
      --profiling=false \
      --v 1
  fi
  pid="$(cat "$RUN/kube-apiserver.pid")"
  wait_for kube-apiserver "$READY_TIMEOUT" "$pid" api_ready || die "kube-apiserver did not become ready"
  write_kubeconfig
  log "ready at $SERVER_URL after $((($(date +%s%N) - t0) / 1000000))ms; KUBECONFIG=$KUBECONFIG_FILE"
}

cmd_stop() {
  lock 9 "$STATE"
  stop_one kube-apiserver "$APISERVER_BIN"
  stop_one etcd "$ETCD_BIN"
}

cmd_status() {
  local ok=0
  report_process etcd "$ETCD_BIN" || ok=1
  report_process kube-apiserver "$APISERVER_BIN" || ok=1
  if [ "$ok" -eq 0 ] && api_ready; then
    echo "readyz: ok ($SERVER_URL)"
  else
    echo "readyz: not ready"
    ok=1
  fi
  return "$ok"
}

cmd_env() {
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
  printf 'export OVENLINE_K8S_SERVER=%q\n' "$SERVER_URL"
}

case "${1:-}" in
build) cmd_build ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
wipe)
  cmd_stop
  rm -rf "$STATE"
  log "removed $STATE"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
