package bench

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"
)

// BenchmarkHelp measures `kubectl-vitimachine --help`, which reads no kubeconfig and uses no
// network; it reports the median of the runs as well as Go's mean.
func BenchmarkHelp(b *testing.B) {
	if shared == nil {
		b.Skip("plugin not built")
	}
	var samples []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(shared.plugin, "--help")
		cmd.Env = []string{"HOME=" + shared.dir, "KUBECONFIG=/nonexistent", "PATH=" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		samples = append(samples, time.Since(start))
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "median-ms")
	fi, err := os.Stat(shared.plugin)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "binary-MiB")
}

// BenchmarkPlanMemory groups and plans 10,000 Machines across 1,000 namespaces and 3 clusters
// (ns-sync --dry-run=client: every read, no write) and reports the plugin's peak resident memory.
func BenchmarkPlanMemory(b *testing.B) {
	e := need(b)
	const machines, namespaces = 10000, 1000
	t := tag("mem")
	e.machines(b, t, namespaces, machines, 3)
	var peak int64
	for b.Loop() {
		peak = max(peak, e.runPlugin(b, "ns-sync", "--dry-run=client", "-l", "batch="+t, "-o", "json"))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(machines, "machines")
	fmt.Fprintf(os.Stderr, "plan memory: %d Machines, %d namespaces: peak RSS %.1f MiB\n", machines, namespaces, float64(peak)/(1<<20))
}
