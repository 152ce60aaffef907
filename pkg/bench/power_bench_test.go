package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// BenchmarkPower stops and then starts N Machines spread over K remote clusters (10 namespaces),
// side by side:
//   - plugin: `kubectl-vitimachine stop -l batch=… --yes`, then (once the stand-in virt-controller
//     has stopped every VM, not timed) `start -l batch=… --yes`: KubeVirt's subresource calls
//     through the stand-in virt-api;
//   - kubectl-loop: one `kubectl patch virtualmachine --type=merge` of spec.runStrategy per VM
//     (Halted, then Always), in sequence: the closest a user has without virtctl.
//
// Each op is one stop and one start of all N.
func BenchmarkPower(b *testing.B) {
	const n, k, namespaces = 500, 2, 10
	prefix := fmt.Sprintf("N=%d/K=%d", n, k)
	b.Run(prefix+"/plugin", func(b *testing.B) { benchPowerPlugin(b, n, k, namespaces) })
	b.Run(prefix+"/kubectl-loop", func(b *testing.B) { benchPowerKubectl(b, n, k, namespaces) })
}

// powerSupervisor starts, once, stand-in virt-apis in front of the remotes and a supervisor that
// registers them through those (the other benchmarks' supervisor keeps its direct kubeconfigs).
func (e *env) powerSupervisor(b *testing.B) *testenv.Plane {
	b.Helper()
	if e.powerSup != nil {
		return e.powerSup
	}
	for _, r := range e.planes.Remotes {
		api, err := r.StartKubeVirtAPI()
		if err != nil {
			b.Fatal(err)
		}
		r.KubeVirt = api
	}
	sup, err := e.planes.AddSupervisor(context.Background(), "supervisor-power", testenv.Options{Dir: e.dir, Audit: true})
	if err != nil {
		b.Fatal(err)
	}
	e.powerSup = sup
	return sup
}

// powerWorld makes N Machines (on the power supervisor) with their VMs (runStrategy Always),
// settled Running by the stand-in virt-controller. It is setup, not measured.
func (e *env) powerWorld(b *testing.B, t string, n, k, namespaces int) {
	b.Helper()
	ctx := context.Background()
	sup, err := e.powerSupervisor(b).Client()
	if err != nil {
		b.Fatal(err)
	}
	err = parallel(namespaces, func(i int) error {
		return testenv.Create(ctx, sup, cluster.Namespaces, testenv.Object("v1", "Namespace", "", fmt.Sprintf("%s-%d", t, i)))
	})
	if err != nil {
		b.Fatal(err)
	}
	err = parallel(n, func(i int) error {
		ns := i % namespaces
		m := testenv.Object("vitistack.io/v1alpha1", "Machine", fmt.Sprintf("%s-%d", t, ns), fmt.Sprintf("m%d", i))
		m.SetLabels(map[string]string{"batch": t})
		m.SetAnnotations(map[string]string{"vitistack.io/kubevirt-config": e.planes.Remotes[ns%k].Name})
		m.Object["spec"] = map[string]any{"provider": "kubevirt"}
		return testenv.Create(ctx, sup, cluster.Machines, m)
	})
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range e.planes.Remotes[:k] {
		c, err := r.Client()
		if err != nil {
			b.Fatal(err)
		}
		err = parallel(namespaces, func(ns int) error {
			if ns%k != i {
				return nil
			}
			return testenv.Create(ctx, c, cluster.Namespaces, testenv.Object("v1", "Namespace", "", fmt.Sprintf("%s-%d", t, ns)))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err = parallel(n, func(i int) error {
		ns := i % namespaces
		c, err := e.planes.Remotes[ns%k].Client()
		if err != nil {
			return err
		}
		vm := testenv.Object("kubevirt.io/v1", "VirtualMachine", fmt.Sprintf("%s-%d", t, ns), fmt.Sprintf("vm-m%d", i))
		vm.SetLabels(map[string]string{"vitistack.io/source-machine": fmt.Sprintf("m%d", i)})
		vm.Object["spec"] = map[string]any{"runStrategy": "Always", "template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}}
		return testenv.Create(ctx, c, cluster.VirtualMachines, vm)
	})
	if err != nil {
		b.Fatal(err)
	}
	e.settle(b, t, k, namespaces)
}

// settle brings every VM of the batch to its steady state (not measured).
func (e *env) settle(b *testing.B, t string, k, namespaces int) {
	b.Helper()
	err := parallel(namespaces, func(ns int) error {
		return e.planes.Remotes[ns%k].KubeVirt.Controller.Settle(context.Background(), fmt.Sprintf("%s-%d", t, ns))
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchPowerPlugin(b *testing.B, n, k, namespaces int) {
	e := need(b)
	var requests int
	for b.Loop() {
		b.StopTimer()
		t := tag("w")
		e.powerWorld(b, t, n, k, namespaces)
		before := e.auditLines(b)
		b.StartTimer()
		e.runPluginWith(b, e.powerSup.KubeconfigPath, "stop", "-A", "-l", "batch="+t, "--yes")
		b.StopTimer()
		e.settle(b, t, k, namespaces)
		b.StartTimer()
		e.runPluginWith(b, e.powerSup.KubeconfigPath, "start", "-A", "-l", "batch="+t, "--yes")
		b.StopTimer()
		requests += e.auditLines(b) - before
		b.StartTimer()
	}
	// The subresource calls go to the stand-in virt-api, not the audited API servers: 2N of them.
	b.ReportMetric(float64(requests)/float64(b.N)+float64(2*n), "requests/op")
}

func benchPowerKubectl(b *testing.B, n, k, namespaces int) {
	e := need(b)
	for b.Loop() {
		b.StopTimer()
		t := tag("x")
		e.powerWorld(b, t, n, k, namespaces)
		b.StartTimer()
		for _, rs := range []string{"Halted", "Always"} {
			for i := range n {
				ns := i % namespaces
				r := e.planes.Remotes[ns%k]
				cmd := exec.Command(e.kubectl, "--kubeconfig", r.KubeconfigPath, "patch", "virtualmachine", fmt.Sprintf("vm-m%d", i), "-n", fmt.Sprintf("%s-%d", t, ns),
					"--type=merge", "-p", `{"spec":{"runStrategy":"`+rs+`"}}`)
				cmd.Env = []string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH")}
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("kubectl: %v\n%s", err, out)
				}
			}
		}
	}
	b.ReportMetric(float64(2*n), "requests/op")
}
