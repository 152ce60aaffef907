// Package bench holds the performance benchmarks (make bench): ns-sync against a kubectl loop and
// against the operator's Get-then-Create per Machine, on real control planes; create of a batch of
// Machines the same ways, over loopback and through a proxy that adds a network round trip; status
// against reading one Machine at a time; start-up time; peak memory for 10,000 Machines. Results are
// counts and times reported by `go test -bench`; no test here asserts a time. hack/bench.sh turns
// the output into docs/performance.md.
package bench
