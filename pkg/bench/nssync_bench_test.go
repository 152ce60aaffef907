package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// BenchmarkNSSync creates N namespaces spread over K remote clusters, side by side:
//   - plugin: one `kubectl-vitimachine ns-sync` run with the default limits (no client-side rate
//     limit toward servers with API Priority and Fairness, 32 requests in flight per cluster);
//   - plugin-qps50: the same with --qps 50 --burst 100, the client-side limit the plugin used to set;
//   - kubectl-loop: one `kubectl create namespace` process per namespace, in sequence;
//   - operator: the kubevirt-operator's way, a Get then a Create per Machine, in sequence, with the
//     plugin's client;
//   - ceiling-W: the creates alone from one process with no limits at all, W at a time (the physical
//     reference: what the API servers here can take; the report takes the fastest W).
//
// Every iteration uses fresh names, so each op really creates N namespaces.
func BenchmarkNSSync(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, k := range []int{1, 3} {
			prefix := fmt.Sprintf("N=%d/K=%d", n, k)
			b.Run(prefix+"/plugin", func(b *testing.B) { benchPlugin(b, n, k) })
			b.Run(prefix+"/plugin-qps50", func(b *testing.B) { benchPlugin(b, n, k, "--qps", "50", "--burst", "100") })
			b.Run(prefix+"/kubectl-loop", func(b *testing.B) { benchKubectl(b, n, k) })
			b.Run(prefix+"/operator", func(b *testing.B) { benchOperator(b, n, k) })
			for _, workers := range ceilingWorkers {
				b.Run(fmt.Sprintf("%s/ceiling-%d", prefix, workers), func(b *testing.B) { benchCeiling(b, n, k, workers) })
			}
		}
	}
}

func benchPlugin(b *testing.B, n, k int, flags ...string) {
	e := need(b)
	var requests int
	for b.Loop() {
		b.StopTimer()
		t := tag("p")
		e.machines(b, t, n, n, k)
		before := e.auditLines(b)
		b.StartTimer()
		e.runPlugin(b, append([]string{"ns-sync", "-l", "batch=" + t}, flags...)...)
		b.StopTimer()
		requests += e.auditLines(b) - before
		b.StartTimer()
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

func benchKubectl(b *testing.B, n, k int) {
	e := need(b)
	for b.Loop() {
		t := tag("k")
		for i := range n {
			r := e.planes.Remotes[i%k]
			cmd := exec.Command(e.kubectl, "--kubeconfig", r.KubeconfigPath, "create", "namespace", fmt.Sprintf("%s-%d", t, i))
			cmd.Env = []string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH")}
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("kubectl: %v\n%s", err, out)
			}
		}
	}
}

func benchOperator(b *testing.B, n, k int) {
	e := need(b)
	clients := e.remoteClients(b, k, cluster.DefaultLimits)
	ctx := context.Background()
	for b.Loop() {
		t := tag("o")
		for i := range n {
			c, name := clients[i%k], fmt.Sprintf("%s-%d", t, i)
			_, err := c.GetUnstructured(ctx, cluster.Namespaces, "", name)
			if !apierrors.IsNotFound(err) {
				b.Fatalf("get: %v", err)
			}
			if err := testenv.Create(ctx, c, cluster.Namespaces, testenv.Object("v1", "Namespace", "", name)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(2*n), "requests/op")
}

func benchCeiling(b *testing.B, n, k, workers int) {
	e := need(b)
	clients := e.remoteClients(b, k, cluster.Limits{QPS: 1e6, Burst: 1e6, InFlight: 1024})
	ctx := context.Background()
	for b.Loop() {
		t := tag("c")
		err := parallelN(n, workers, func(i int) error {
			return testenv.Create(ctx, clients[i%k], cluster.Namespaces, testenv.Object("v1", "Namespace", "", fmt.Sprintf("%s-%d", t, i)))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "requests/op")
}
