#!/usr/bin/env bash
# Prints the version to stamp into builds: the release tag (vX.Y.Z...) when git describe gives one,
# else v0.0.0-dev (krew and semver want a leading v and numbers).
set -euo pipefail
v=$(git -C "$(dirname "$0")/.." describe --tags --always --dirty 2>/dev/null || true)
case "$v" in
  v[0-9]*) echo "$v" ;;
  *) echo "v0.0.0-dev" ;;
esac
