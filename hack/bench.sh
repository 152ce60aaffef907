#!/usr/bin/env bash
# Runs the benchmarks on real control planes and regenerates docs/performance.md (make bench).
# Takes about 7 minutes on 2 cores: the kubectl loops run one process per namespace or Machine.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh)
export KUBEBUILDER_ASSETS
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
# One run per ns-sync, create, status and memory case (each creates hundreds of objects); start-up as 25
# pairs of each of --help and __complete with kubectl version --client, for medians.
go test ./pkg/bench -run '^$' -bench "${BENCH:-BenchmarkNSSync|BenchmarkCreate|BenchmarkStatus|BenchmarkPlanMemory}" -benchtime 1x -timeout 60m | tee "$raw"
go test ./pkg/bench -run '^$' -bench '^BenchmarkStartup$' -benchtime 1x | tee -a "$raw"
go run ./hack/benchreport < "$raw" > docs/performance.md
echo "wrote docs/performance.md"
