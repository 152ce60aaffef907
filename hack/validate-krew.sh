#!/usr/bin/env bash
# Validates plugins/vitimachine.yaml and the rendered .krew.yaml template with krew's validate-krew-manifest.
#
#   hack/validate-krew.sh
#
# Both checks are offline (-skip-install: krew-index CI's static pass, without downloading the
# release URIs). The template is rendered for the version of the archives in DIST (default dist/)
# with their real sha256; when DIST does not hold an archive for every platform of the template,
# the archives are built first into a temporary folder with hack/dist.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-$ROOT/dist}
TOOLS=$("$ROOT/hack/krew-tools.sh")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

validate() { # manifest file, named vitimachine.yaml
  echo "validate-krew: $1" >&2
  HOME=$W "$TOOLS/validate-krew-manifest" -manifest "$1" -skip-install 2>&1 | sed 's/^/  /' >&2
}

validate "$ROOT/plugins/vitimachine.yaml"

has_all() { [ -f "$1/checksums.txt" ] && [ "$(grep -c '\.tar\.gz$' "$1/checksums.txt")" -ge "$(grep -c addURIAndSha "$ROOT/.krew.yaml")" ]; }
if ! has_all "$DIST"; then
  echo "validate-krew: $DIST lacks some platform archives; building them into a temporary folder" >&2
  DIST=$W/dist VERSION=${VERSION:-v0.0.0-dev} "$ROOT/hack/dist.sh" >/dev/null
  DIST=$W/dist
fi
mkdir -p "$W/rendered"
DIST=$DIST OUT="$W/rendered/vitimachine.yaml" "$ROOT/hack/update-krew-manifest.sh"
validate "$W/rendered/vitimachine.yaml"
echo "validate-krew: OK" >&2
