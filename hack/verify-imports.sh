#!/usr/bin/env bash
# Checks the dependency and layering rules of docs/development.md: main imports only pkg/cmd of the
# project; render and diff stay pure (no client-go); domain packages never import cobra or pflag;
# target takes its vocabulary from pkg/vitistack, not from render; only pkg/write calls the cluster
# client's write methods; the plugin links neither k8s.io/kubernetes nor kubevirt.io/client-go;
# the shared vocabulary (plan), the facts reader and the packages under commands other than create
# (source, doctor) do not import pkg/pipeline; no HTTP client outside pkg/cluster and the ISO
# sizing of a writing command (pkg/pipeline/inputs.go).
set -euo pipefail
cd "$(dirname "$0")/.."
M=github.com/vitistack/kubectl-vitimachine
fail=0
bad() { echo "verify-imports: $*" >&2; fail=1; }

for p in $(go list -f '{{join .Imports "\n"}}' ./cmd/kubectl-vitimachine | grep "^$M/" || true); do
  [ "$p" = "$M/pkg/cmd" ] || bad "cmd/kubectl-vitimachine imports $p (only pkg/cmd is allowed)"
done
for pkg in render diff vitistack; do
  if go list -deps "./pkg/$pkg" | grep -q '^k8s.io/client-go/'; then bad "pkg/$pkg depends on client-go; it must stay pure"; fi
done
# One go list for every domain package: each line is a package and its imports.
domain=$(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./pkg/...)
while read -r p imports; do
  case " $M/pkg/cmd $M/pkg/e2e $M/pkg/bench $M/pkg/release $M/pkg/testenv " in *" $p "*) continue ;; esac
  case " $imports " in *" github.com/spf13/cobra "* | *" github.com/spf13/pflag "*) bad "$p imports cobra or pflag" ;; esac
  case " $imports " in *" $M/pkg/testenv "*) bad "$p imports pkg/testenv (tests and the demo only)" ;; esac
done <<<"$domain"
if go list -f '{{join .Imports "\n"}}' ./pkg/target | grep -qx "$M/pkg/render"; then bad "pkg/target imports pkg/render (take label keys from pkg/vitistack)"; fi
while read -r p imports; do
  case " $M/pkg/plan $M/pkg/facts $M/pkg/source $M/pkg/doctor " in *" $p "*) ;; *) continue ;; esac
  case " $imports " in *" $M/pkg/pipeline "*) bad "$p imports pkg/pipeline (take the vocabulary from pkg/plan, facts from pkg/facts)" ;; esac
done <<<"$domain"
# HTTP requests outside the clusters: only the ISO sizing of a writing command (create, diff) may
# make one; every cluster request goes through pkg/cluster, except the websocket upgrade of the guest
# streams (pkg/guest/stream.go), which goes to the resolved cluster's API server with that cluster's
# rest.Config through client-go's websocket transport. Checked on the source, outside tests.
clients=$(grep -rnE 'http\.(Client\{|NewRequest|Get\(|Head\(|Post\(|PostForm\(|DefaultClient|DefaultTransport)' --include='*.go' pkg cmd \
  | grep -v '_test.go:' | grep -v -e '^pkg/cluster/' -e '^pkg/pipeline/inputs.go:' -e '^pkg/guest/stream.go:' -e '^pkg/testenv/' -e '^pkg/e2e/' -e '^pkg/bench/' -e '^pkg/release/' || true)
if [ -n "$clients" ]; then
  bad "HTTP requests outside pkg/cluster, the ISO sizing (pkg/pipeline/inputs.go) and the guest streams (pkg/guest/stream.go):"
  echo "$clients" >&2
fi
if go list -deps ./cmd/kubectl-vitimachine | grep -qE '^(k8s.io/kubernetes|kubevirt.io/client-go)(/|$)'; then
  bad "the plugin links k8s.io/kubernetes or kubevirt.io/client-go"
fi
# The one write seam: the cluster client's write methods are called only from pkg/write (and the
# test harness, which sets up worlds). Checked on the source, outside tests.
writers=$(grep -rnE '\.(Create|MergePatch|Delete|Update|Patch|Put)\(ctx' --include='*.go' pkg cmd \
  | grep -v '_test.go:' | grep -v -e '^pkg/write/' -e '^pkg/cluster/' -e '^pkg/testenv/' \
  | grep -vE '\.Writer\.(Create|Annotate|Delete|Update|Patch|Put)\(ctx' || true)
if [ -n "$writers" ]; then
  bad "writes outside pkg/write (every write goes through the write seam):"
  echo "$writers" >&2
fi
exit $fail
