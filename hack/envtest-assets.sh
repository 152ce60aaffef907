#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kubectl, etcd) from the pinned tool modules under
# hack/envtest/ once, into a cache folder keyed by versions and a hash of the tool modules, and prints
# that folder.
#
#   export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"
#
# Cold: about 8 minutes on 2 cores. Warm (cache hit): instant. Concurrent runs wait on a lock;
# an interrupted build leaves nothing half-filled behind (it builds into a temporary folder and
# renames it at the end).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
M=$ROOT/hack/envtest
export GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly
ver() { go list -C "$1" -m -f '{{.Version}}' "$2"; }
K8S=$(ver "$M/kube-apiserver" k8s.io/kubernetes)
ETCD=$(ver "$M/etcd" go.etcd.io/etcd/server/v3)
SUM=$(cat "$M"/kube-apiserver/go.mod "$M"/kube-apiserver/go.sum "$M"/etcd/go.mod "$M"/etcd/go.sum | sha256sum | cut -c1-10)
BASE=${ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-vitimachine/envtest}
DIR=$BASE/k8s-${K8S#v}-etcd-${ETCD#v}-$(go env GOOS)-$(go env GOARCH)-$SUM
ok() { [ -x "$DIR/kube-apiserver" ] && [ -x "$DIR/etcd" ] && [ -x "$DIR/kubectl" ]; }
ok && { echo "$DIR"; exit 0; }
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
flock 9
ok && { echo "$DIR"; exit 0; }
TMP=$(mktemp -d "$BASE/.build.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
MINOR=$(echo "$K8S" | cut -d. -f2)
LD="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LD="$LD -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean"
done
step() { printf '  [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
echo "building the test API server $K8S and etcd $ETCD into $DIR" >&2
echo "(first run only: about 8 minutes on 2 cores; later runs reuse the cache)" >&2
step "kube-apiserver (the long one)"
go build -C "$M/kube-apiserver" -trimpath -ldflags "$LD" -o "$TMP/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
step "kubectl"
go build -C "$M/kube-apiserver" -trimpath -ldflags "$LD" -o "$TMP/kubectl" k8s.io/kubernetes/cmd/kubectl
step "etcd"
go build -C "$M/etcd" -trimpath -ldflags "-s -w" -o "$TMP/etcd" go.etcd.io/etcd/server/v3
[ "$("$TMP/kube-apiserver" --version)" = "Kubernetes $K8S" ]
mv -T "$TMP" "$DIR"
trap - EXIT
step "done"
echo "$DIR"
