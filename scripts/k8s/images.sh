#!/usr/bin/env bash
# The images the single-node cluster runs, built here with buildah (there is no
# registry to pull from), archived in .tools/images and imported into the
# node's containerd:
#   pause       the sandbox image: the static pause program (build.sh)
#   coredns     CoreDNS (build.sh), cluster names only
#   local-path  rancher/local-path-provisioner, for PersistentVolumeClaims;
#               its helper pods run the Debian base image (scripts/image.sh)
#   redis       Debian's redis-server on the Debian base, for the chart's Redis
#
#   images.sh name NAME        the image reference of NAME
#   images.sh build-system     build pause, coredns, local-path (cached by tag)
#   images.sh import-system    import them into the running node
#   images.sh build NAME...    build other images (redis)
#   images.sh import NAME...   import them
#   images.sh manifests        the add-ons' objects (CoreDNS, local-path, RBAC)
set -euo pipefail
LOG_TAG=images
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$K8S_ROOT"
ARCHIVES="$ROOT/.tools/images"
STATE="$ROOT/.infra/cluster"

LOCAL_PATH_VERSION="${OVENLINE_LOCAL_PATH_VERSION:-v0.0.30}"
LOCAL_PATH_DIR="$TOOLS/local-path-$LOCAL_PATH_VERSION"
DNS_SERVICE_IP="10.202.0.10"
CLUSTER_DOMAIN="cluster.local"
DEBIAN_BASE="$(bash "$ROOT/scripts/image.sh" --print-debian-base)"

eval "$(bash "$ROOT/scripts/k8s/build.sh" --print)"

redis_version() { apt-cache show redis-server 2>/dev/null | sed -n 's/^Version: 5:\{0,1\}\([0-9.]*\).*/\1/p' | head -1; }

name() {
  case "$1" in
  pause) echo "localhost/ovenline-pause:$K8S_VERSION" ;;
  coredns) echo "localhost/ovenline-coredns:$(basename "$(dirname "$COREDNS")" | sed 's/^coredns-//')" ;;
  local-path) echo "localhost/ovenline-local-path:$LOCAL_PATH_VERSION" ;;
  debian) echo "$DEBIAN_BASE" ;;
  redis) echo "localhost/ovenline-redis:$(redis_version)" ;;
  *) die "unknown image $1" ;;
  esac
}

archive_of() { local n; n="$(name "$1")"; echo "$ARCHIVES/${n#localhost/}.tar" | tr ':' '_'; }

have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

build_local_path() {
  go_install "local-path-provisioner $LOCAL_PATH_VERSION" "$LOCAL_PATH_DIR" "" \
    "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION"
}

build_image() {
  local what="$1" image ctr
  image="$(name "$what")"
  if ! have_image "$image"; then
    log "building $image"
    case "$what" in
    pause)
      ctr="$(buildah from scratch)"
      buildah copy --quiet "$ctr" "$PAUSE" /pause >/dev/null
      buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
      buildah commit --quiet --rm "$ctr" "$image" >/dev/null
      ;;
    coredns)
      ctr="$(buildah from scratch)"
      buildah copy --quiet "$ctr" "$COREDNS" /coredns >/dev/null
      buildah config --entrypoint '["/coredns"]' --user 65532:65532 "$ctr"
      buildah commit --quiet --rm "$ctr" "$image" >/dev/null
      ;;
    local-path)
      build_local_path
      ctr="$(buildah from scratch)"
      buildah copy --quiet "$ctr" "$LOCAL_PATH_DIR/local-path-provisioner" /usr/bin/local-path-provisioner >/dev/null
      buildah config --entrypoint '["/usr/bin/local-path-provisioner"]' --user 0:0 "$ctr"
      buildah commit --quiet --rm "$ctr" "$image" >/dev/null
      ;;
    debian) bash "$ROOT/scripts/image.sh" --debian-base >/dev/null ;;
    redis)
      # The official image's redis user is uid/gid 999; the chart runs it as such.
      ctr="$(buildah from "$DEBIAN_BASE")"
      buildah run --network host "$ctr" -- sh -c '
        groupadd -r -g 999 redis && useradd -r -g redis -u 999 -d /data -s /usr/sbin/nologin redis &&
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null &&
        rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* &&
        install -d -o 999 -g 999 /data' >&2
      buildah config --user 999:999 --workingdir /data --cmd '["redis-server"]' "$ctr"
      buildah commit --quiet --rm "$ctr" "$image" >/dev/null
      ;;
    *) die "unknown image $what" ;;
    esac
  fi
  local file
  file="$(archive_of "$what")"
  if [ ! -f "$file" ]; then
    mkdir -p "$ARCHIVES"
    buildah push --quiet "$image" "docker-archive:$file.tmp:$image" >/dev/null
    mv -f "$file.tmp" "$file"
  fi
}

ctr_k8s() { "$CTR" --address "$STATE/containerd/containerd.sock" -n k8s.io "$@"; }

import_image() {
  local what="$1" image
  image="$(name "$what")"
  if ctr_k8s images ls -q | grep -qxF "$image"; then return 0; fi
  build_image "$what"
  log "importing $image"
  ctr_k8s images import "$(archive_of "$what")" >/dev/null || die "importing $image failed"
}

SYSTEM=(pause coredns local-path debian)

manifests() {
  local coredns localpath debian
  coredns="$(name coredns)"
  localpath="$(name local-path)"
  debian="$(name debian)"
  cat <<EOF
# The node's identity is system:node:<name> (the Node authorizer); the API
# server reaches kubelets as a system:masters client. Nothing else is needed.
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
# No forward plugin: names outside the cluster are not looked up anywhere.
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:1053 {
        errors
        health :8080
        ready :8181
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        prometheus :9153
        cache 30
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 }
      containers:
        - name: coredns
          image: $coredns
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - { name: dns, containerPort: 1053, protocol: UDP }
            - { name: dns-tcp, containerPort: 1053, protocol: TCP }
            - { name: metrics, containerPort: 9153, protocol: TCP }
          readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 10 }
          resources:
            requests: { cpu: 20m, memory: 32Mi }
            limits: { memory: 128Mi }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  clusterIP: $DNS_SERVICE_IP
  selector: { k8s-app: kube-dns }
  ports:
    - { name: dns, port: 53, targetPort: 1053, protocol: UDP }
    - { name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP }
    - { name: metrics, port: 9153, targetPort: 9153, protocol: TCP }
---
apiVersion: v1
kind: Namespace
metadata: { name: local-path-storage }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: local-path-provisioner, namespace: local-path-storage }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: local-path-provisioner, namespace: local-path-storage }
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch, create, patch, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: local-path-provisioner, namespace: local-path-storage }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: local-path-provisioner }
subjects: [{ kind: ServiceAccount, name: local-path-provisioner, namespace: local-path-storage }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: local-path-provisioner }
rules:
  - apiGroups: [""]
    resources: [nodes, persistentvolumeclaims, configmaps, pods, pods/log]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [persistentvolumes]
    verbs: [get, list, watch, create, patch, update, delete]
  - apiGroups: [""]
    resources: [events]
    verbs: [create, patch]
  - apiGroups: [storage.k8s.io]
    resources: [storageclasses]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: local-path-provisioner }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: local-path-provisioner }
subjects: [{ kind: ServiceAccount, name: local-path-provisioner, namespace: local-path-storage }]
---
# Volumes are folders of .infra/cluster/volumes, made by helper pods that run the Debian base image.
apiVersion: v1
kind: ConfigMap
metadata: { name: local-path-config, namespace: local-path-storage }
data:
  config.json: |
    { "nodePathMap": [{ "node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$STATE/volumes"] }] }
  setup: |
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |
    apiVersion: v1
    kind: Pod
    metadata: { name: helper-pod }
    spec:
      priorityClassName: system-node-critical
      containers:
        - name: helper-pod
          image: $debian
          imagePullPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: local-path-provisioner, namespace: local-path-storage }
spec:
  replicas: 1
  selector: { matchLabels: { app: local-path-provisioner } }
  template:
    metadata: { labels: { app: local-path-provisioner } }
    spec:
      serviceAccountName: local-path-provisioner
      containers:
        - name: local-path-provisioner
          image: $localpath
          imagePullPolicy: Never
          args: [start, --config, /etc/config/config.json, --helper-image, $debian,
            --service-account-name, local-path-provisioner]
          env:
            - name: POD_NAMESPACE
              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
            - { name: CONFIG_MOUNT_PATH, value: /etc/config/ }
          resources:
            requests: { cpu: 10m, memory: 32Mi }
            limits: { memory: 128Mi }
          volumeMounts: [{ name: config, mountPath: /etc/config/ }]
      volumes: [{ name: config, configMap: { name: local-path-config } }]
---
# The default StorageClass binds on first use, as on kind, GKE or EKS.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
EOF
}

case "${1:-}" in
name) name "$2" ;;
build-system) for i in "${SYSTEM[@]}"; do build_image "$i"; done ;;
import-system) for i in "${SYSTEM[@]}"; do import_image "$i"; done ;;
build) shift; for i in "$@"; do build_image "$i"; done ;;
import) shift; for i in "$@"; do import_image "$i"; done ;;
manifests) manifests ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
