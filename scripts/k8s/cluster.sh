#!/usr/bin/env bash
# `./dev cluster up|down|status`: a single-node Kubernetes on this machine, every
# part of it built here (scripts/k8s/build.sh) or taken from Debian:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
#   kube-proxy (iptables mode), all Kubernetes $K8S_VERSION; containerd 2.4
#   with Debian's runc and CNI plugins (bridge, host-local, portmap, loopback);
#   CoreDNS, and local-path-provisioner for PersistentVolumeClaims, as pods.
#
#   ./dev cluster up       build what is missing, start everything, wait until
#                          the node is Ready and DNS answers; idempotent
#   ./dev cluster down     delete every pod, stop everything, remove the
#                          network and mounts, restore the sysctls the kubelet
#                          changed; keeps .infra/cluster's certificates
#   ./dev cluster status   one line per part; exit 0 when all are up
#   ./dev cluster env      print `export KUBECONFIG=...` (eval it)
#   ./dev cluster import IMAGE_ARCHIVE...   load docker-archive files into the
#                          node's image store (there is no registry here)
#   ./dev cluster has-image NAME           exit 0 when the node's image store has NAME
#   ./dev cluster tag-image NAME NEW_NAME  name an image of the node's store anew (Tilt's refs)
#   ./dev cluster wipe     down, then delete .infra/cluster (etcd data, certs)
#
# Network: nothing of the cluster leaves the machine.
#   - The node's address ($NODE_IP) is a /32 on a bridge with no ports
#     ($NODE_BRIDGE); the API server, the kubelet and NodePorts bind it only.
#   - Pods live on $POD_CIDR behind the bridge $POD_BRIDGE, without
#     masquerading; a guard chain in FORWARD drops whatever pods send to an
#     address outside the pod range, so they have no way out.
#   - The Service range $SERVICE_CIDR is routed to $NODE_BRIDGE, so an address
#     kube-proxy has no rule for stays on the machine.
#   - CoreDNS answers cluster names only (no forward plugin).
#   - Image pulls go to http://127.0.0.1:1 (fail at once): images are imported.
# One cluster per machine (bridges, routes and iptables are the machine's).
# Runtime state: .infra/cluster (git-ignored). Needs root.
set -euo pipefail
LOG_TAG=cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$K8S_ROOT"

STATE="$ROOT/.infra/cluster"
PKI="$STATE/pki"
LOGS="$STATE/logs"
RUN="$STATE/run"
CONF="$STATE/conf"
KUBECONFIG_FILE="$STATE/kubeconfig"
OWNER_FILE=/run/ovenline-cluster.owner # which checkout's cluster this machine runs

NODE_NAME="ovenline-node"
NODE_BRIDGE="ovl-node"
NODE_IP="10.200.0.1"
POD_BRIDGE="ovl-pods"
POD_CIDR="10.201.0.0/24"
POD_GATEWAY="10.201.0.1"
SERVICE_CIDR="10.202.0.0/24"
KUBERNETES_SERVICE_IP="10.202.0.1"
DNS_SERVICE_IP="10.202.0.10"
CLUSTER_DOMAIN="cluster.local"
API_PORT=6443
ETCD_PORT="${OVENLINE_CLUSTER_ETCD_PORT:-42379}"
ETCD_PEER_PORT="${OVENLINE_CLUSTER_ETCD_PEER_PORT:-42380}"
SERVER_URL="https://$NODE_IP:$API_PORT"
GUARD_CHAIN="OVENLINE-GUARD"
READY_TIMEOUT="${OVENLINE_CLUSTER_READY_TIMEOUT:-180}"

# The host settings the kubelet and kube-proxy may change; restored on down.
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.netfilter.nf_conntrack_max)

CONTAINERD_STATE="$STATE/containerd"
CONTAINERD_SOCK="$CONTAINERD_STATE/containerd.sock"
KUBELET_DIR="$STATE/kubelet"
CNI_CONF_DIR="$STATE/cni/net.d"
# Folders containerd 2 and the kubelet use whatever their configuration says.
FIXED_PATHS=(/run/containerd/s /run/containerd/runc /var/log/pods /var/log/containers
  /usr/libexec/kubernetes/kubelet-plugins)

# Images of the cluster's own pods (scripts/k8s/images.sh builds them).
IMAGES_SCRIPT="$ROOT/scripts/k8s/images.sh"

eval "$(bash "$ROOT/scripts/k8s/build.sh" --print)" # ETCD=..., KUBELET=..., ...

need_root() { [ "$(id -u)" -eq 0 ] || die "needs root (network, mounts, containers)"; }

need_packages() {
  local need=() spec
  for spec in runc=runc iptables=iptables conntrack=conntrack ip=iproute2 openssl=openssl \
    buildah=buildah gcc=gcc mount=mount prometheus=prometheus; do
    command -v "${spec%%=*}" >/dev/null || need+=("${spec#*=}")
  done
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing ${need[*]} (Debian)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

kctl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# ---------------------------------------------------------------- certs ----

# sign NAME SUBJECT EXT: a key and certificate signed by the cluster CA.
sign() {
  local name="$1" subject="$2" ext="$3" ca="${4:-ca}"
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  printf '%b\n' "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 3650 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

new_ca() { # NAME CN
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -keyout "$1.key" -out "$1.crt" \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

gen_certs() {
  [ -f "$PKI/.complete" ] && return 0
  log "generating certificates in $PKI"
  rm -rf "$PKI"
  mkdir -p "$PKI"
  (
    cd "$PKI"
    umask 077
    local client="extendedKeyUsage=clientAuth"
    new_ca ca ovenline-cluster-ca
    sign apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
    sign admin "/O=system:masters/CN=ovenline-admin" "$client"
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
    sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
    sign kubelet-serving "/O=system:nodes/CN=system:node:$NODE_NAME" \
      "extendedKeyUsage=serverAuth\nsubjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
    sign kube-proxy "/CN=system:kube-proxy" "$client"
    sign scheduler "/CN=system:kube-scheduler" "$client"
    sign controller-manager "/CN=system:kube-controller-manager" "$client"
    # Aggregated APIs (KEDA's external metrics): the API server proxies as front-proxy-client.
    new_ca front-proxy-ca ovenline-front-proxy-ca
    sign front-proxy-client "/CN=front-proxy-client" "$client" front-proxy-ca
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.srl
    touch .complete
  )
}

# kubeconfig FILE CERT_NAME: a kubeconfig for the cluster with a client certificate.
kubeconfig() {
  local file="$1" cert="$2" tmp="$1.tmp.$$"
  b64() { base64 -w0 <"$1"; }
  (
    umask 077
    cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ovenline
  cluster:
    server: $SERVER_URL
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(b64 "$PKI/$cert.crt")
    client-key-data: $(b64 "$PKI/$cert.key")
contexts:
- name: ovenline
  context:
    cluster: ovenline
    user: $cert
    namespace: default
current-context: ovenline
EOF
  )
  mv -f "$tmp" "$file"
}

# -------------------------------------------------------------- network ----

# The node's address on a port-less bridge (this kernel has no dummy driver),
# the Service range routed to it, and the guard that keeps pods in.
net_up() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  ip link set "$NODE_BRIDGE" up
  ip addr replace "$NODE_IP/32" dev "$NODE_BRIDGE"
  ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE" src "$NODE_IP"
  # The pod bridge exists before the first pod, so the guard and routes can name it.
  if ! ip link show "$POD_BRIDGE" >/dev/null 2>&1; then
    ip link add "$POD_BRIDGE" type bridge
  fi
  ip link set "$POD_BRIDGE" up
  ip addr replace "$POD_GATEWAY/24" dev "$POD_BRIDGE"
  # Pods may talk to pods (and, through INPUT, to this node); anything they
  # send elsewhere is dropped before routing could take it out of the machine.
  iptables -w -N "$GUARD_CHAIN" 2>/dev/null || iptables -w -F "$GUARD_CHAIN"
  iptables -w -A "$GUARD_CHAIN" -s "$POD_CIDR" -d "$POD_CIDR" -j RETURN
  iptables -w -A "$GUARD_CHAIN" -s "$POD_CIDR" -j REJECT --reject-with icmp-net-prohibited
  # Nothing reaches a pod from another interface than the pod bridge.
  iptables -w -A "$GUARD_CHAIN" -o "$POD_BRIDGE" ! -i "$POD_BRIDGE" -j REJECT
  iptables -w -C FORWARD -j "$GUARD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$GUARD_CHAIN"
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  check_routes
}

# Every cluster address must route to one of the cluster's bridges (or be local).
check_routes() {
  local addr dev
  for addr in "$NODE_IP" "$KUBERNETES_SERVICE_IP" "$DNS_SERVICE_IP" "${SERVICE_CIDR%.*}.200" \
    "${POD_CIDR%.*}.2" "${POD_CIDR%.*}.254"; do
    dev="$(ip -o route get "$addr" | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
    case "$dev" in
    lo | "$NODE_BRIDGE" | "$POD_BRIDGE") ;;
    *) die "route to $addr goes through '$dev', not a cluster bridge: refusing to go on" ;;
    esac
  done
}

net_down() {
  while iptables -w -D FORWARD -j "$GUARD_CHAIN" 2>/dev/null; do :; done
  iptables -w -F "$GUARD_CHAIN" 2>/dev/null || true
  iptables -w -X "$GUARD_CHAIN" 2>/dev/null || true
  ip route del "$SERVICE_CIDR" dev "$NODE_BRIDGE" 2>/dev/null || true
  ip link del "$POD_BRIDGE" 2>/dev/null || true
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  # kube-proxy's chains (it removes them itself with --cleanup), then the kubelet's.
  [ -x "$KUBE_PROXY" ] && "$KUBE_PROXY" --cleanup >/dev/null 2>&1 || true
  local tool table chain
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null || continue
    for table in filter nat mangle; do
      for chain in INPUT OUTPUT; do
        while "$tool" -w -t "$table" -D "$chain" -j KUBE-FIREWALL 2>/dev/null; do :; done
      done
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$tool" -w -t "$table" -F "$chain" 2>/dev/null || true
        "$tool" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# --------------------------------------------------------------- sysctls ---

save_sysctls() {
  [ -f "$STATE/sysctls.saved" ] && return 0
  local k
  for k in "${SYSCTLS[@]}"; do
    [ -e "/proc/sys/${k//.//}" ] && echo "$k=$(sysctl -n "$k")"
  done >"$STATE/sysctls.saved"
}

restore_sysctls() {
  [ -f "$STATE/sysctls.saved" ] || return 0
  local line
  while IFS= read -r line; do
    sysctl -qw "$line" 2>/dev/null || log "could not restore $line"
  done <"$STATE/sysctls.saved"
  rm -f "$STATE/sysctls.saved"
}

# --------------------------------------------------------------- configs ---

write_configs() {
  mkdir -p "$CONF" "$CNI_CONF_DIR" "$CONTAINERD_STATE/certs.d/_default" "$KUBELET_DIR" "$STATE/cni/ipam"
  local k
  for k in admin kubelet kube-proxy scheduler controller-manager; do
    kubeconfig "$CONF/$k.kubeconfig" "$k"
  done
  cp "$CONF/admin.kubeconfig" "$KUBECONFIG_FILE"

  # Pull guard: every registry is 127.0.0.1:1, where nothing listens.
  cat >"$CONTAINERD_STATE/certs.d/_default/hosts.toml" <<'EOF'
server = "http://127.0.0.1:1"
[host."http://127.0.0.1:1"]
  capabilities = ["pull", "resolve"]
EOF
  # restrict_oom_score_adj: this VM's bounding set lacks CAP_SYS_RESOURCE, so
  # runc may not lower oom_score_adj; QoS-based OOM protection is flat here.
  cat >"$CONF/containerd.toml" <<EOF
version = 3
root = "$CONTAINERD_STATE/root"
state = "$CONTAINERD_STATE/state"

[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$CONTAINERD_STATE/opt"
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.grpc.v1.cri']
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$(bash "$IMAGES_SCRIPT" name pause)"
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = "$CONTAINERD_STATE/certs.d"
  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false
    disable_apparmor = true
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        disable_pause_image_pull = true
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$(command -v runc)"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["/usr/lib/cni"]
      conf_dir = "$CNI_CONF_DIR"
      max_conf_num = 1
EOF
  cat >"$CNI_CONF_DIR/10-ovenline.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "ovenline-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
EOF
  # Pods whose dnsPolicy is Default get this: a resolver inside their own namespace, i.e. none.
  echo "nameserver 127.0.0.1" >"$CONF/resolv.conf"
  cat >"$CONF/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $CONF/resolv.conf
failSwapOn: false
staticPodPath: ""
serializeImagePulls: false
# Imported images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
maxPods: 110
rotateCertificates: false
serverTLSBootstrap: false
protectKernelDefaults: false
EOF
  cat >"$CONF/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $CONF/kube-proxy.kubeconfig }
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts on the node's bridge address only, never on the machine's interfaces.
nodePortAddresses: ["$NODE_IP/32"]
iptables: { localhostNodePorts: false, masqueradeAll: false }
conntrack: { maxPerCore: 0, min: 0 }
EOF
}

# ------------------------------------------------------------ processes ----

api_ready() {
  curl -fsS -m 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "$SERVER_URL/readyz" >/dev/null 2>&1
}
containerd_ready() { "$CTR" --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
healthz() { curl -fsSk -m 2 "$1" >/dev/null 2>&1; }
node_ready() {
  [ "$(kctl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# start_one NAME BINARY READY_CHECK... -- ARGS: starts NAME unless it runs.
start_one() {
  local name="$1" bin="$2" pid check=()
  shift 2
  while [ "$1" != -- ]; do check+=("$1"); shift; done
  shift
  if pid="$(pid_of "$name" "$bin")"; then
    log "$name already running (pid $pid)"
  else
    spawn "$name" "$LOGS/$name.log" "$bin" "$@"
    pid="$(cat "$RUN/$name.pid")"
  fi
  wait_for "$name" "$READY_TIMEOUT" "$pid" "${check[@]}" || die "$name did not become ready"
}

start_control_plane() {
  [ -d "$STATE/etcd" ] || mkdir -m 700 "$STATE/etcd"
  start_one etcd "$ETCD" etcd_healthy -- \
    --name ovenline-cluster --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ovenline-cluster=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes 2147483648 --log-level warn

  # Advertised on the node's address with the lease reconciler, so that the
  # `kubernetes` Service has an endpoint pods can reach.
  start_one kube-apiserver "$KUBE_APISERVER" api_ready -- \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --endpoint-reconciler-type lease \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" \
    --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --allow-privileged=true --profiling=false --v 1

  start_one kube-controller-manager "$KUBE_CONTROLLER_MANAGER" \
    healthz https://127.0.0.1:10257/healthz -- \
    --kubeconfig "$CONF/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$CONF/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$CONF/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=true --service-cluster-ip-range "$SERVICE_CIDR" \
    --cluster-cidr "$POD_CIDR" --allocate-node-cidrs=false --profiling=false --v 1 \
    --horizontal-pod-autoscaler-sync-period 5s

  start_one kube-scheduler "$KUBE_SCHEDULER" healthz https://127.0.0.1:10259/healthz -- \
    --kubeconfig "$CONF/scheduler.kubeconfig" \
    --authentication-kubeconfig "$CONF/scheduler.kubeconfig" \
    --authorization-kubeconfig "$CONF/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false --profiling=false --v 1
}

start_node() {
  start_one containerd "$CONTAINERD" containerd_ready -- --config "$CONF/containerd.toml"
  bash "$IMAGES_SCRIPT" import-system

  save_sysctls
  start_one kubelet "$KUBELET" healthz http://127.0.0.1:10248/healthz -- \
    --config "$CONF/kubelet.yaml" --kubeconfig "$CONF/kubelet.kubeconfig" \
    --root-dir "$KUBELET_DIR" --cert-dir "$PKI/kubelet-certs" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v 1

  start_one kube-proxy "$KUBE_PROXY" healthz http://127.0.0.1:10256/healthz -- \
    --config "$CONF/kube-proxy.yaml" --v 1
}

# The cluster's own objects: RBAC glue, CoreDNS, local-path-provisioner.
apply_addons() {
  bash "$IMAGES_SCRIPT" manifests | kctl apply --server-side --force-conflicts -f - >"$LOGS/addons.log" 2>&1 ||
    { cat "$LOGS/addons.log" >&2; die "applying the add-ons failed"; }
}

dns_ready() {
  [ "$(kctl -n kube-system get deploy coredns -o jsonpath='{.status.availableReplicas}' 2>/dev/null)" = 1 ]
}

cmd_up() {
  need_root
  local t0 owner
  t0=$(date +%s%N)
  if [ -f "$OWNER_FILE" ] && owner="$(cat "$OWNER_FILE")" && [ "$owner" != "$ROOT" ] &&
    ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    # Another checkout's cluster: refuse while it runs; clear what a dead one left (its
    # processes end with their session, its bridges, routes, chains and mounts do not).
    if (RUN="$owner/.infra/cluster/run" && pid_of kube-apiserver kube-apiserver >/dev/null); then
      die "this machine's cluster belongs to $owner: run './dev cluster down' there first"
    fi
    log "clearing what the stopped cluster of $owner left"
    if [ -f "$owner/scripts/k8s/cluster.sh" ]; then
      bash "$owner/scripts/k8s/cluster.sh" down >&2 || true
    else
      net_down
      rm -f "$OWNER_FILE"
    fi
  fi
  need_packages
  bash "$ROOT/scripts/k8s/build.sh"
  bash "$IMAGES_SCRIPT" build-system
  lock 9 "$STATE"
  echo "$ROOT" >"$OWNER_FILE"
  mkdir -p "$LOGS" "$RUN"
  gen_certs
  net_up
  write_configs
  start_control_plane
  start_node
  wait_for kubelet "$READY_TIMEOUT" "$(cat "$RUN/kubelet.pid")" node_ready || die "the node did not become Ready"
  apply_addons
  local i
  for ((i = 0; i < READY_TIMEOUT; i++)); do dns_ready && break; sleep 1; done
  dns_ready || { kctl -n kube-system get pods -o wide >&2; die "CoreDNS did not become available"; }
  check_routes
  log "up after $((($(date +%s%N) - t0) / 1000000))ms: node $NODE_NAME Ready, API $SERVER_URL"
  log "KUBECONFIG=$KUBECONFIG_FILE"
}

unmount_under() { # every mount below a folder, deepest first
  local m
  for m in $(findmnt -rn -o TARGET | grep -E "^$1(/|$)" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

cmd_down() {
  need_root
  mkdir -p "$RUN" "$LOGS"
  lock 9 "$STATE"
  # Pods first: stopping the kubelet and containerd would leave them running.
  if pid_of containerd "$CONTAINERD" >/dev/null; then
    stop_one kubelet "$KUBELET"
    "$CRICTL" --runtime-endpoint "unix://$CONTAINERD_SOCK" rmp -fa >/dev/null 2>&1 || true
  fi
  stop_one kube-proxy "$KUBE_PROXY"
  stop_one kubelet "$KUBELET"
  stop_one containerd "$CONTAINERD"
  # Shims outlive containerd; a shim of ours has our socket on its command line.
  local p
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" || true); do
    kill -KILL "$p" 2>/dev/null || true
  done
  stop_one kube-scheduler "$KUBE_SCHEDULER"
  stop_one kube-controller-manager "$KUBE_CONTROLLER_MANAGER"
  stop_one kube-apiserver "$KUBE_APISERVER" 60
  stop_one etcd "$ETCD"
  unmount_under "$KUBELET_DIR"
  unmount_under "$CONTAINERD_STATE"
  unmount_under /run/containerd
  rm -rf "$KUBELET_DIR" "$CONTAINERD_STATE/state" "$STATE/cni/ipam"
  local f
  for f in "${FIXED_PATHS[@]}"; do rm -rf "$f"; done
  rmdir /run/containerd /usr/libexec/kubernetes 2>/dev/null || true
  # Network namespaces the CNI plugins made and crictl did not remove.
  for f in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns del "$f" 2>/dev/null || true; done
  net_down
  restore_sysctls
  rm -f "$OWNER_FILE"
  log "down"
}

cmd_status() {
  local ok=0 name bin
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy; do
    bin="$(tr 'a-z-' 'A-Z_' <<<"$name")"
    report_process "$name" "${!bin}" || ok=1
  done
  if [ "$ok" -eq 0 ] && node_ready; then
    echo "node $NODE_NAME: Ready ($SERVER_URL)"
    kctl get pods -A --no-headers 2>/dev/null | awk '{print "pod " $1 "/" $2 ": " $4}'
  else
    echo "node: not ready"
    ok=1
  fi
  return "$ok"
}

cmd_env() {
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
  printf 'export OVENLINE_CLUSTER_NODE_IP=%q\n' "$NODE_IP"
}

cmd_import() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || die "no such image archive: $f"
    "$CTR" --address "$CONTAINERD_SOCK" -n k8s.io images import --no-unpack=false "$f" >&2 ||
      die "importing $f failed"
  done
}

cmd_has_image() {
  [ -n "$("$CTR" --address "$CONTAINERD_SOCK" -n k8s.io images ls -q "name==$1")" ]
}

cmd_tag_image() {
  cmd_has_image "$1" || die "the node has no image $1"
  "$CTR" --address "$CONTAINERD_SOCK" -n k8s.io images tag --force "$1" "$2" >/dev/null ||
    die "naming $1 as $2 failed"
}

RUN="$STATE/run"
case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
import) shift; cmd_import "$@" ;;
has-image) cmd_has_image "${2:?has-image NAME}" ;;
tag-image) cmd_tag_image "${2:?tag-image NAME NEW_NAME}" "${3:?tag-image NAME NEW_NAME}" ;;
wipe)
  cmd_down
  rm -rf "$STATE"
  log "removed $STATE"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
