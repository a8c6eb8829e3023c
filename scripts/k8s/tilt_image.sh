#!/usr/bin/env bash
# The Tiltfile's image build where there is no Docker engine (custom_build): the image of
# `./dev image` (buildah), put into the single-node cluster's containerd under the name Tilt
# chose ($EXPECTED_REF), since the node has no registry to pull from. An image the node has
# already (same sources, same tag) is only named anew; otherwise its archive is imported.
#   EXPECTED_REF=localhost/ovenline:tilt-0123abcd bash scripts/k8s/tilt_image.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ref="${EXPECTED_REF:?EXPECTED_REF is set by Tilt: the name the image must have}"

built="$(bash scripts/image.sh | tail -1)"
if ! bash scripts/k8s/cluster.sh has-image "$built"; then
  bash scripts/image.sh --archive >/dev/null
  bash scripts/k8s/cluster.sh import ".tools/images/ovenline-${built##*:}.tar"
fi
bash scripts/k8s/cluster.sh tag-image "$built" "$ref"
echo "[tilt-image] $built is $ref on the node" >&2
