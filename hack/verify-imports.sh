#!/usr/bin/env bash
# Checks the dependency rules of docs/development.md: main imports only pkg/cmd of the project;
# render and diff stay pure (no client-go); domain packages never import cobra or pflag; the plugin
# links neither k8s.io/kubernetes nor kubevirt.io/client-go.
set -euo pipefail
cd "$(dirname "$0")/.."
M=github.com/vitistack/kubectl-vitimachine
fail=0
bad() { echo "verify-imports: $*" >&2; fail=1; }

for p in $(go list -f '{{join .Imports "\n"}}' ./cmd/kubectl-vitimachine | grep "^$M/" || true); do
  [ "$p" = "$M/pkg/cmd" ] || bad "cmd/kubectl-vitimachine imports $p (only pkg/cmd is allowed)"
done
for pkg in render diff; do
  if go list -deps "./pkg/$pkg" | grep -q '^k8s.io/client-go/'; then bad "pkg/$pkg depends on client-go; it must stay pure"; fi
done
for pkg in cluster diff manifest nssync pipeline printer render target write version; do
  if go list -f '{{join .Imports "\n"}}' "./pkg/$pkg" | grep -qE '^github.com/spf13/(cobra|pflag)$'; then bad "pkg/$pkg imports cobra or pflag"; fi
done
if go list -deps ./cmd/kubectl-vitimachine | grep -qE '^(k8s.io/kubernetes|kubevirt.io/client-go)(/|$)'; then
  bad "the plugin links k8s.io/kubernetes or kubevirt.io/client-go"
fi
exit $fail
