package e2e

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestWaitReturnsWhenTheVMRuns(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "runner", annotation(remoteA), ""))
	done := make(chan result, 1)
	go func() { done <- s.plugin(t, "create", "-n", ns, "runner", "--wait", "--timeout", "60s") }()

	// Play virt-controller: once the VM exists, report it Running through the status subresource.
	a := s.env.Remote(remoteA)
	deadline := time.Now().Add(30 * time.Second)
	var vm *unstructured.Unstructured
	for vm == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		vm = s.get(t, a, cluster.VirtualMachines, ns, "vm-runner")
	}
	if vm == nil {
		t.Fatalf("VM never created:\n%s", <-done)
	}
	time.Sleep(300 * time.Millisecond) // let the plugin start watching first
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
