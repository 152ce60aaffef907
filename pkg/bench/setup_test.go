package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

var batch atomic.Int64

// tag returns a fresh prefix for one benchmark iteration's names.
func tag(prefix string) string { return fmt.Sprintf("%s%d", prefix, batch.Add(1)) }

// parallel runs f for 0..n-1 on 32 workers and returns the first error.
func parallel(n int, f func(i int) error) error { return parallelN(n, 32, f) }

// parallelN runs f for 0..n-1 on workers goroutines and returns the first error.
func parallelN(n, workers int, f func(i int) error) error {
	var wg sync.WaitGroup
	var first atomic.Value
	work := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := f(i); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return nil
}

// machines creates, on the supervisor, machines Machines spread over namespaces namespaces and k
// remotes (round robin), labelled batch=tag. It is setup, not measured.
func (e *env) machines(b *testing.B, tag string, namespaces, machines, k int) {
	b.Helper()
	sup := e.supervisorNamespaces(b, tag, namespaces)
	ctx := context.Background()
	err := parallel(machines, func(i int) error {
		ns := i % namespaces
		m := testenv.Object("vitistack.io/v1alpha1", "Machine", fmt.Sprintf("%s-%d", tag, ns), fmt.Sprintf("m%d", i))
		m.SetLabels(map[string]string{"batch": tag})
		m.SetAnnotations(map[string]string{"vitistack.io/kubevirt-config": e.planes.Remotes[ns%k].Name})
		m.Object["spec"] = map[string]any{"provider": "kubevirt"}
		return testenv.Create(ctx, sup, cluster.Machines, m)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// supervisorNamespaces creates, on the supervisor, the n namespaces tag-0..tag-(n-1) in parallel and
// returns the supervisor's client. It is setup, not measured.
func (e *env) supervisorNamespaces(b *testing.B, tag string, n int) *cluster.Client {
	b.Helper()
	sup, err := e.planes.Supervisor.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	err = parallel(n, func(i int) error {
		return testenv.Create(ctx, sup, cluster.Namespaces, testenv.Object("v1", "Namespace", "", fmt.Sprintf("%s-%d", tag, i)))
	})
	if err != nil {
		b.Fatal(err)
	}
	return sup
}

// remoteClients are in-process clients of the first k remotes, directly (no latency proxy), with
// limits.
func (e *env) remoteClients(b *testing.B, k int, limits cluster.Limits) []*cluster.Client {
	b.Helper()
	_, remotes := e.direct().clients(b, k, limits)
	return remotes
}

// runPlugin runs the plugin binary against the supervisor and returns its peak RSS in bytes, as
// hack/peakrss measures it (the benchmark binary's own peak would otherwise be counted in).
func (e *env) runPlugin(b *testing.B, args ...string) int64 {
	b.Helper()
	return e.runPluginWith(b, e.planes.Supervisor.KubeconfigPath, args...)
}

// runPluginWith is runPlugin with another supervisor kubeconfig.
func (e *env) runPluginWith(b *testing.B, kubeconfig string, args ...string) int64 {
	b.Helper()
	peakFile := filepath.Join(e.dir, "peak")
	cmd := exec.Command(e.peakrss, append([]string{peakFile, e.plugin}, args...)...)
	cmd.Env = []string{"HOME=" + e.dir, "KUBECONFIG=" + kubeconfig, "PATH=" + os.Getenv("PATH")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("kubectl-vitimachine %v: %v\n%s", args, err, out.Bytes())
	}
	data, err := os.ReadFile(peakFile)
	if err != nil {
		b.Fatal(err)
	}
	peak, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		b.Fatalf("peakrss wrote %q: %v", data, err)
	}
	return peak
}

// auditLines counts the plugin's completed requests in every plane's audit log.
func (e *env) auditLines(b *testing.B) int {
	b.Helper()
	n := 0
	planes := append([]*testenv.Plane{e.planes.Supervisor}, e.planes.Remotes...)
	if e.powerSup != nil {
		planes = append(planes, e.powerSup)
	}
	for _, p := range planes {
		data, err := os.ReadFile(p.AuditLog)
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if bytes.Contains(line, []byte(`"stage":"ResponseComplete"`)) && bytes.Contains(line, []byte(`"userAgent":"kubectl-vitimachine/`)) {
				n++
			}
		}
	}
	return n
}
