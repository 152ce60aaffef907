#!/usr/bin/env bash
# Builds reproducible release archives kubectl-vitimachine_<version>_<os>_<arch>.tar.gz and checksums.txt.
#
#   hack/dist.sh                                    # all platforms into dist/
#   PLATFORMS=linux/amd64 DIST=/tmp/d hack/dist.sh  # a subset, elsewhere
#
# Environment (all optional):
#   VERSION            release tag; default: `git describe --tags --always --dirty` when that names a
#                      tag (v...), else v0.0.0-dev (a repository without tags)
#   COMMIT             default: `git rev-parse HEAD`, else "unknown"
#   SOURCE_DATE_EPOCH  build date stamped into the binary and mtime of every tar entry;
#                      default: the commit time of HEAD, else 0
#   PLATFORMS          os/arch list, space or comma separated; default: linux, darwin and windows on
#                      amd64 and arm64
#   DIST               output folder; default: dist/ in the repository
#
# Same sources + same Go toolchain + same VERSION/COMMIT/SOURCE_DATE_EPOCH give byte-identical
# archives: CGO off, -trimpath, no VCS stamping, tar entries sorted with fixed mtime and owner 0,
# gzip -n. Each archive holds exactly the binary (.exe on windows), LICENSE and the completion shim
# (kubectl_complete-vitimachine, a sh script; on windows kubectl_complete-vitimachine.cmd, a batch
# file), as regular files. Prints the archive paths.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-$ROOT/dist}
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
cd "$ROOT"

git_() { git -C "$ROOT" "$@" 2>/dev/null; }
if [ -z "${VERSION:-}" ]; then
  VERSION=$(git_ describe --tags --always --dirty || true)
  [[ $VERSION =~ ^v[0-9] ]] || VERSION=v0.0.0-dev
fi
COMMIT=${COMMIT:-$(git_ rev-parse HEAD || echo unknown)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git_ log -1 --format=%ct || echo 0)}
export SOURCE_DATE_EPOCH
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
PLATFORMS=${PLATFORMS//,/ }
[[ $VERSION =~ ^[A-Za-z0-9._+-]+$ ]] || { echo "dist: VERSION $VERSION: use letters, digits and . _ + - only" >&2; exit 2; }
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || { echo "dist: SOURCE_DATE_EPOCH must be seconds since 1970" >&2; exit 2; }
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

TAR=${TAR:-tar}
command -v gtar >/dev/null && [ "$TAR" = tar ] && TAR=gtar
"$TAR" --version 2>/dev/null | grep -q 'GNU tar' || { echo "dist: GNU tar is required (set TAR=gtar)" >&2; exit 2; }

export GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
PKG=github.com/vitistack/kubectl-vitimachine/pkg/version
LDFLAGS="-s -w -X $PKG.gitVersion=$VERSION -X $PKG.gitCommit=$COMMIT -X $PKG.buildDate=$DATE"
HOST=$(go env GOHOSTOS)/$(go env GOHOSTARCH)

STAGE=$(mktemp -d "$DIST/.stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
echo "dist: $VERSION (commit $COMMIT, date $DATE) for $PLATFORMS into $DIST" >&2

build() { # os arch outdir
  local exe=kubectl-vitimachine
  [ "$1" = windows ] && exe=$exe.exe
  mkdir -p "$3"
  GOOS=$1 GOARCH=$2 go build -trimpath -ldflags "$LDFLAGS" -o "$3/$exe" ./cmd/kubectl-vitimachine
  echo "$3/$exe"
}

# The completion shim comes from the plugin itself, run on this machine: a sh script, and for
# Windows (where kubectl cannot run one) a batch file.
HOSTBIN=$(build "${HOST%/*}" "${HOST#*/}" "$STAGE/host")
mkdir -p "$STAGE/shim/sh" "$STAGE/shim/cmd"
"$HOSTBIN" completion kubectl-shim --format sh >"$STAGE/shim/sh/kubectl_complete-vitimachine"
"$HOSTBIN" completion kubectl-shim --format cmd >"$STAGE/shim/cmd/kubectl_complete-vitimachine.cmd"
head -1 "$STAGE/shim/sh/kubectl_complete-vitimachine" | grep -q '^#!' || { echo "dist: the shim has no #! line" >&2; exit 1; }

ARCHIVES=()
for p in $PLATFORMS; do
  os=${p%/*} arch=${p#*/}
  [[ $p == */* && -n $os && -n $arch ]] || { echo "dist: bad platform $p (want os/arch)" >&2; exit 2; }
  name=kubectl-vitimachine_${VERSION}_${os}_${arch}
  dir=$STAGE/$name
  if [ "$p" = "$HOST" ]; then
    mkdir -p "$dir" && cp "$HOSTBIN" "$dir/"
  else
    echo "dist: building $p" >&2
    build "$os" "$arch" "$dir" >/dev/null
  fi
  shim=$STAGE/shim/sh/kubectl_complete-vitimachine
  [ "$os" = windows ] && shim=$STAGE/shim/cmd/kubectl_complete-vitimachine.cmd
  cp "$ROOT/LICENSE" "$shim" "$dir/"
  chmod 0644 "$dir/LICENSE"
  chmod 0755 "$dir"/kubectl-vitimachine* "$dir"/kubectl_complete-vitimachine*
  files=$(cd "$dir" && LC_ALL=C ls)
  # shellcheck disable=SC2086 # $files is a list of plain file names
  (cd "$dir" && LC_ALL=C "$TAR" --create --format=ustar --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
    --owner=0 --group=0 --numeric-owner --no-recursion --file=- $files) |
    gzip -n -9 >"$STAGE/$name.tar.gz"
  mv -f "$STAGE/$name.tar.gz" "$DIST/$name.tar.gz"
  ARCHIVES+=("$name.tar.gz")
done

(cd "$DIST" && LC_ALL=C sha256sum "${ARCHIVES[@]}" | LC_ALL=C sort -k2 >checksums.txt)
for a in "${ARCHIVES[@]}"; do echo "$DIST/$a"; done
