#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 60s). A crasher is written by go test under the
# package's testdata/fuzz/ and from then on runs as a regression input in every `go test`: commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-60s}
targets=(
  ./pkg/manifest:FuzzDecode
  ./pkg/render:FuzzRender
  ./pkg/render:FuzzRenderQuantities
  ./pkg/target:FuzzUntrustedConfig
)
for spec in "${targets[@]}"; do
  pkg=${spec%%:*} fn=${spec##*:}
  echo "fuzz $fn ($pkg) for $FUZZTIME"
  go test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" "$pkg"
done
