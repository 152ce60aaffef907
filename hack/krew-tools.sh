#!/usr/bin/env bash
# Builds krew and validate-krew-manifest from the pinned tool module hack/tools/krew once, into a
# cache folder keyed by the krew version and a hash of the tool module, and prints that folder.
#
#   KREW_TOOLS="$(hack/krew-tools.sh)"; "$KREW_TOOLS/validate-krew-manifest" -h
#
# The tool module has its own module graph (GOWORK=off): krew v0.4.3 requires
# k8s.io/client-go v11.0.0+incompatible, which must never reach the main module.
# Cold: about 1-2 minutes on 2 cores. Warm (cache hit): instant. Concurrent runs wait on a lock;
# an interrupted build leaves nothing half-filled behind (temporary folder, renamed at the end).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
M=$ROOT/hack/tools/krew
export GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly
KREW=$(go list -C "$M" -m -f '{{.Version}}' sigs.k8s.io/krew)
SUM=$(cat "$M/go.mod" "$M/go.sum" | sha256sum | cut -c1-10)
BASE=${KREW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-vitimachine/krew}
DIR=$BASE/krew-${KREW#v}-$(go env GOOS)-$(go env GOARCH)-$SUM
ok() { [ -x "$DIR/krew" ] && [ -x "$DIR/validate-krew-manifest" ]; }
ok && { echo "$DIR"; exit 0; }
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
flock 9
ok && { echo "$DIR"; exit 0; }
TMP=$(mktemp -d "$BASE/.build.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
echo "building krew $KREW and validate-krew-manifest into $DIR (first run only)" >&2
go build -C "$M" -trimpath -ldflags "-s -w" -o "$TMP/" sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest
KREW_ROOT="$TMP/root" KREW_NO_UPGRADE_CHECK=1 "$TMP/krew" version >/dev/null 2>&1 ||
  { echo "the freshly built krew does not run" >&2; exit 1; }
rm -rf "$TMP/root"
mv -T "$TMP" "$DIR"
trap - EXIT
echo "$DIR"
