#!/usr/bin/env bash
# Unit-test coverage per package (make cover): runs the unit tests only (no API servers), with one
# coverage profile across all packages, and prints each package's statement coverage. Fails when a
# package other than pkg/testenv and pkg/e2e (need real API servers) is under COVER_MIN percent
# (default 70); pkg/cmd runs its commands over fake clusters through an injected client factory.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${COVER_MIN:-70}
M=github.com/vitistack/kubectl-vitimachine
profile=$(mktemp)
trap 'rm -f "$profile"' EXIT
units=$(go list ./... | grep -v -e /pkg/e2e -e /pkg/release -e /pkg/bench)
go test -count=1 -coverpkg=./pkg/... -coverprofile="$profile" $units >/dev/null
go run ./hack/coverreport "$profile" "$MIN" "$M/pkg/testenv" "$M/pkg/e2e"
