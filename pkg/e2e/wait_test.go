package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

func TestWaitReturnsWhenTheVMRuns(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "runner", annotation(remoteA), ""))
	a := s.env.Remote(remoteA)
	m := s.mark(t)
	done := make(chan result, 1)
	go func() { done <- s.plugin(t, "create", "-n", ns, "runner", "--wait", "--timeout", "60s") }()

	// Play virt-controller: once the VM exists and the plugin watches it, report it Running through
	// the status subresource.
	var vm *unstructured.Unstructured
	eventually(t, 30*time.Second, "the VM is created and watched", func() bool {
		vm = s.get(t, a, cluster.VirtualMachines, ns, "vm-runner")
		return vm != nil && s.watching(t, m, a, "virtualmachines", ns)
	})
	_ = unstructured.SetNestedField(vm.Object, "Running", "status", "printableStatus")
	s.updateStatus(t, a, cluster.VirtualMachines, vm)
	select {
	case r := <-done:
		mustSucceed(t, r)
	case <-time.After(45 * time.Second):
		t.Fatal("--wait did not return after the VM became Running")
	}
}

func TestWaitTimesOutWithTheLastStatus(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "stuck", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "stuck"))
	vm := s.get(t, s.env.Remote(remoteA), cluster.VirtualMachines, ns, "vm-stuck")
	_ = unstructured.SetNestedField(vm.Object, "Provisioning", "status", "printableStatus")
	s.updateStatus(t, s.env.Remote(remoteA), cluster.VirtualMachines, vm)

	start := time.Now()
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "stuck", "--wait", "--timeout", "2s"), 2)
	mustContain(t, "stderr", r.stderr, "virtualmachine.kubevirt.io/vm-stuck", "last status: Provisioning")
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("--timeout 2s took %s", d)
	}
	if strings.Contains(r.stderr, "waiting:") {
		t.Errorf("progress printed although stderr is not a terminal:\n%s", r.stderr)
	}
	screen, code := s.onTerminalExit(t, nil, "create", "-n", ns, "stuck", "--wait", "--timeout", "2s")
	if code != 2 {
		t.Errorf("on a terminal, --wait that times out exited %d, want 2", code)
	}
	mustContain(t, "terminal", screen, "waiting: virtualmachine.kubevirt.io/vm-stuck is Provisioning")
}

// TestWaitStopsAtATerminalStatusWithTheLastWarning (bug 10): a VM in a status that waiting does not
// resolve ends --wait at once, exit 2, naming the status and the VM's last warning event.
func TestWaitStopsAtATerminalStatusWithTheLastWarning(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, s.env.Supervisor, machineYAML(ns, "nofit", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "nofit"))
	c := s.client(t, a)
	for i, ev := range []struct{ kind, reason, message, at string }{
		{"VirtualMachineInstance", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.", "2026-01-01T10:05:00Z"},
		{"VirtualMachineInstance", "FailedScheduling", "0/3 nodes are available.", "2026-01-01T10:00:00Z"},
	} {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Event",
			"metadata":       map[string]any{"name": "nofit-" + strconv.Itoa(i), "namespace": ns},
			"involvedObject": map[string]any{"apiVersion": "kubevirt.io/v1", "kind": ev.kind, "name": "vm-nofit", "namespace": ns},
			"type":           "Warning", "reason": ev.reason, "message": ev.message, "lastTimestamp": ev.at, "firstTimestamp": ev.at,
			"source": map[string]any{"component": "virt-controller"}}}
		if err := testenv.Create(context.Background(), c, cluster.Events, u); err != nil {
			t.Fatal(err)
		}
	}
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-nofit")
	_ = unstructured.SetNestedField(vm.Object, "ErrorUnschedulable", "status", "printableStatus")
	s.updateStatus(t, a, cluster.VirtualMachines, vm)

	start := time.Now()
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "nofit", "--wait", "--timeout", "5m"), 2)
	mustContain(t, "stderr", r.stderr, "virtualmachine.kubevirt.io/vm-nofit on kv-a: last status: ErrorUnschedulable (a status that does not resolve by waiting; not waiting for it); "+
		"last warning event: FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.")
	if took := time.Since(start); took > time.Minute {
		t.Errorf("--wait on a terminal status took %s", took.Round(time.Millisecond))
	}
}
