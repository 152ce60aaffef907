#!/usr/bin/env bash
# Regenerates hack/envtest/kube-apiserver/go.mod and go.sum for a Kubernetes version.
# usage: hack/envtest/gen-gomod.sh 1.37.2   (run only when bumping the test API server)
set -euo pipefail
K=${1:?kubernetes version, e.g. 1.37.2}; S=0.${K#1.}
cd "$(dirname "$0")/kube-apiserver"
export GOWORK=off
rm -f go.mod go.sum
go mod init envtest-kube-apiserver.local >/dev/null 2>&1
go mod edit -require=k8s.io/kubernetes@v$K \
  -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=k8s.io/kubernetes/cmd/kubectl
MOD=$(go mod download -json k8s.io/kubernetes@v$K | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
# k8s.io/kubernetes replaces its staging modules with local paths; point each at its published version.
awk '/^replace \(/{f=1;next} f&&/^\)/{f=0} f&&/staging/{print $1}' "$MOD" |
  grep -vE '^k8s.io/sample-(cli-plugin|controller)$' |
  while read -r m; do go mod edit -replace="$m=$m@v$S"; done
go mod tidy
