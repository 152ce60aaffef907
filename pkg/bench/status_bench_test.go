package bench

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// BenchmarkStatus shows N Machines in 100 namespaces, spread over K remote clusters, each with a VM,
// a VMI and a PVC, two ways, side by side:
//   - plugin: one `kubectl-vitimachine status -A -l batch=…` run (default limits: QPS 50, burst 100
//     per cluster), which lists each resource once per cluster;
//   - per-machine: what a tool that joins one Machine at a time does, a get of the VM, a get of the
//     VMI and a list of the Machine's PVCs by label, in sequence, with the plugin's client and limits
//     (and without resolving Machines: the clusters are given).
func BenchmarkStatus(b *testing.B) {
	const n, k, namespaces = 1000, 3, 100
	e := need(b)
	t := tag("st")
	e.machines(b, t, namespaces, n, k)
	e.provisioned(b, t, namespaces, n, k)
	prefix := fmt.Sprintf("N=%d/K=%d", n, k)
	b.Run(prefix+"/plugin", func(b *testing.B) {
		var requests int
		for b.Loop() {
			b.StopTimer()
			before := e.auditLines(b)
			b.StartTimer()
			e.runPlugin(b, "status", "-A", "-l", "batch="+t)
			b.StopTimer()
			requests += e.auditLines(b) - before
			b.StartTimer()
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	})
	b.Run(prefix+"/per-machine", func(b *testing.B) {
		clients := e.remoteClients(b, k, cluster.DefaultLimits)
		ctx := context.Background()
		for b.Loop() {
			for i := range n {
				ns, c, m := fmt.Sprintf("%s-%d", t, i%namespaces), clients[(i%namespaces)%k], fmt.Sprintf("m%d", i)
				if _, err := c.GetUnstructured(ctx, cluster.VirtualMachines, ns, "vm-"+m); err != nil {
					b.Fatal(err)
				}
				if _, err := c.GetUnstructured(ctx, cluster.VirtualMachineInstances, ns, "vm-"+m); err != nil {
					b.Fatal(err)
				}
				if err := c.List(ctx, cluster.PVCs, ns, vitistack.LabelSourceMachine+"="+m, func(*unstructured.Unstructured) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(3*n), "requests/op")
	})
}

// provisioned puts, for every Machine e.machines made, what create and KubeVirt would have made on
// its remote: the namespace, a VM labelled with the Machine, its VMI with an address, and a PVC. It is
// setup, not measured.
func (e *env) provisioned(b *testing.B, tag string, namespaces, machines, k int) {
	b.Helper()
	ctx := context.Background()
	clients := make([]*cluster.Client, k)
	for i := range k {
		c, err := e.planes.Remotes[i].Client()
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	err := parallel(namespaces, func(i int) error {
		return testenv.Create(ctx, clients[i%k], cluster.Namespaces, testenv.Object("v1", "Namespace", "", fmt.Sprintf("%s-%d", tag, i)))
	})
	if err != nil {
		b.Fatal(err)
	}
	err = parallel(machines, func(i int) error {
		ns, c, m := fmt.Sprintf("%s-%d", tag, i%namespaces), clients[(i%namespaces)%k], fmt.Sprintf("m%d", i)
		labels := map[string]string{vitistack.LabelSourceMachine: m}
		vm := testenv.Object("kubevirt.io/v1", "VirtualMachine", ns, "vm-"+m)
		vm.SetLabels(labels)
		vm.Object["spec"] = map[string]any{"runStrategy": "Always", "template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}}
		vmi := testenv.Object("kubevirt.io/v1", "VirtualMachineInstance", ns, "vm-"+m)
		vmi.Object["spec"] = map[string]any{"domain": map[string]any{"devices": map[string]any{}}}
		vmi.Object["status"] = map[string]any{"phase": "Running", "nodeName": "node-1",
			"interfaces": []any{map[string]any{"ipAddress": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}}}
		pvc := testenv.Object("v1", "PersistentVolumeClaim", ns, "vm-"+m+"-root-pvc")
		pvc.SetLabels(labels)
		pvc.Object["spec"] = map[string]any{"accessModes": []any{"ReadWriteOnce"}, "resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}}}
		for _, o := range []struct {
			r cluster.Resource
			u *unstructured.Unstructured
		}{{cluster.VirtualMachines, vm}, {cluster.VirtualMachineInstances, vmi}, {cluster.PVCs, pvc}} {
			if err := testenv.Create(ctx, c, o.r, o.u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
