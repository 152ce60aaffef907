#!/usr/bin/env bash
# Refreshes the CRDs the test control planes install: vitistack's from the pinned
# github.com/vitistack/common module, KubeVirt's and CDI's from the generated copies in ../shared/crds
# (generated from kubevirt.io/api v1.9.0 and containerized-data-importer-api v1.66.0; the Multus
# NetworkAttachmentDefinition CRD from network-attachment-definition-client v1.7.7).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMMON=$(go list -C "$ROOT" -m -f '{{.Dir}}' github.com/vitistack/common)
SHARED=${SHARED_CRDS:-$ROOT/../shared/crds}
OUT=$ROOT/pkg/testenv/crds
for c in machines kubevirtconfigs machineclasses networknamespaces networkconfigurations; do
  install -m 0644 "$COMMON/crds/vitistack.io_$c.yaml" "$OUT/supervisor/"
done
install -m 0644 "$SHARED/kubevirt.io_virtualmachines.yaml" "$SHARED/kubevirt.io_virtualmachineinstances.yaml" \
  "$SHARED/cdi.kubevirt.io_storageprofiles.yaml" "$SHARED/k8s.cni.cncf.io_network-attachment-definitions.yaml" "$OUT/remote/"
echo "updated $OUT"
