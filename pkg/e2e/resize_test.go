package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// versions of the objects resize may write for one Machine: the Machine, its root PVC, its VM.
func (s *suite) resizeVersions(t *testing.T, a *testenv.Plane, ns, name string) string {
	t.Helper()
	out := ""
	for _, o := range []struct {
		p    *testenv.Plane
		r    cluster.Resource
		name string
	}{{s.env.Supervisor, cluster.Machines, name}, {a, cluster.PVCs, "vm-" + name + "-root-pvc"}, {a, cluster.VirtualMachines, "vm-" + name}} {
		rv := "<none>"
		if u := s.get(t, o.p, o.r, ns, o.name); u != nil {
			rv = u.GetResourceVersion()
		}
		out += o.name + "=" + rv + " "
	}
	return out
}

// bind plays the PV controller: Kubernetes grows bound claims only.
func (s *suite) bind(t *testing.T, p *testenv.Plane, ns, name string) {
	t.Helper()
	pvc := s.get(t, p, cluster.PVCs, ns, name)
	_ = unstructured.SetNestedField(pvc.Object, "Bound", "status", "phase")
	s.updateStatus(t, p, cluster.PVCs, pvc)
}

func TestResizeCPUAndMemory(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, s.env.Supervisor, machineYAML(ns, "web-1", annotation(remoteA), "")+"---\n"+machineYAML(ns, "web-2", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "web-1", "web-2"))
	before := s.resizeVersions(t, a, ns, "web-1") + s.resizeVersions(t, a, ns, "web-2")

	t.Run("client dry run writes nothing and shows the diff", func(t *testing.T) {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "web-1", "web-2", "--cpu", "4", "--memory", "4Gi", "--dry-run=client"))
		wantAction(t, r, "machine.vitistack.io/web-1", "would update")
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-web-1", "would update: cores 2 → 4, memory 2Gi → 4Gi (not running: applies when it starts)")
		wantAction(t, r, "persistentvolumeclaim/vm-web-1-root-pvc", "unchanged")
		mustContain(t, "report", r.stdout, "-          cores: 2", "+          cores: 4", "+  memory: 4294967296",
			"4 to update, 2 unchanged, 0 failed (dry run: client)")
		for _, p := range s.planes() {
			if n := writes(s.requests(t, m, p)); n != 0 {
				t.Errorf("%d writes in a client dry run", n)
			}
		}
	})
	t.Run("server dry run stores nothing", func(t *testing.T) {
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "web-1", "web-2", "--cpu", "4", "--memory", "4Gi", "--dry-run=server"))
		mustContain(t, "report", r.stdout, "4 to update, 2 unchanged, 0 failed")
		if after := s.resizeVersions(t, a, ns, "web-1") + s.resizeVersions(t, a, ns, "web-2"); after != before {
			t.Errorf("a server dry run changed objects: %s -> %s", before, after)
		}
	})
	t.Run("resize, one VM list and one PVC list for the namespace", func(t *testing.T) {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "web-1", "web-2", "--cpu", "4", "--memory", "4Gi"))
		wantAction(t, r, "machine.vitistack.io/web-2", "updated")
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-web-2", "updated: cores 2 → 4, memory 2Gi → 4Gi (not running: applies when it starts)")
		mustContain(t, "report", r.stdout, "4 updated, 2 unchanged, 0 failed\n")
		got := budget(s.requests(t, m, a))
		for k, want := range map[string]int{"list virtualmachines": 1, "list persistentvolumeclaims": 1, "patch virtualmachines": 2, "patch persistentvolumeclaims": 0} {
			if got[k] != want {
				t.Errorf("%s: %d, want %d (%s)", k, got[k], want, show(got))
			}
		}
		if sup := budget(s.requests(t, m, s.env.Supervisor)); sup["patch machines"] != 2 {
			t.Errorf("supervisor: %s", show(sup))
		}
		mach := s.get(t, s.env.Supervisor, cluster.Machines, ns, "web-1")
		wantField(t, mach, int64(4), "spec", "cpu", "cores")
		wantField(t, mach, int64(4<<30), "spec", "memory")
		vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-web-1")
		wantField(t, vm, int64(4), "spec", "template", "spec", "domain", "cpu", "cores")
		wantField(t, vm, "4Gi", "spec", "template", "spec", "domain", "memory", "guest")
		wantField(t, vm, "host-model", "spec", "template", "spec", "domain", "cpu", "model")
	})
	t.Run("re-run changes nothing", func(t *testing.T) {
		mid := s.resizeVersions(t, a, ns, "web-1") + s.resizeVersions(t, a, ns, "web-2")
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "web-1", "web-2", "--cpu", "4", "--memory", "4Gi"))
		mustContain(t, "report", r.stdout, "0 updated, 6 unchanged, 0 failed\n")
		if after := s.resizeVersions(t, a, ns, "web-1") + s.resizeVersions(t, a, ns, "web-2"); after != mid {
			t.Errorf("a re-run changed objects: %s -> %s", mid, after)
		}
	})
	t.Run("status drift is clear after a resize", func(t *testing.T) {
		// Someone changes the Machine by hand: the VM drifts; resize brings it back.
		mustSucceed(t, s.kubectl(t, call{args: []string{"patch", "machines.vitistack.io", "-n", ns, "web-1", "--type=merge", "-p", `{"spec":{"cpu":{"cores":6}}}`}}))
		r := mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
		if got := statusRow(r.stdout, "web-1", false); len(got) != 12 || got[10] != "yes" {
			t.Fatalf("before: %q\n%s", got, r)
		}
		r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "web-1", "--cpu", "6"))
		wantAction(t, r, "machine.vitistack.io/web-1", "unchanged")
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-web-1", "updated: cores 4 → 6 (not running: applies when it starts)")
		r = mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
		if got := statusRow(r.stdout, "web-1", false); len(got) != 12 || got[10] != "no" {
			t.Errorf("after: %q\n%s", got, r)
		}
	})
}

func TestResizeClass(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	s.create(t, s.env.Supervisor, machineYAML(ns, "pool", annotation(remoteB), "  machineClass: small\n"))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "pool"))
	r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "pool", "--class", "medium"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-pool", "updated: cores 2 → 4, memory 8Gi → 16Gi (not running: applies when it starts)")
	wantField(t, s.get(t, s.env.Supervisor, cluster.Machines, ns, "pool"), "medium", "spec", "machineClass")
	vm := s.get(t, b, cluster.VirtualMachines, ns, "vm-pool")
	wantField(t, vm, int64(4), "spec", "template", "spec", "domain", "cpu", "cores")
	wantField(t, vm, "16Gi", "spec", "template", "spec", "domain", "memory", "guest")

	// From a file: the live Machine is what is resized (the file only names it).
	file := writeFile(t, "pool.yaml", machineYAML(ns, "pool", annotation(remoteB), "  machineClass: small\n"))
	r = mustSucceed(t, s.plugin(t, "resize", "-f", file, "--cpu", "6"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-pool", "updated: cores 4 → 6 (not running: applies when it starts)")
	mach := s.get(t, s.env.Supervisor, cluster.Machines, ns, "pool")
	wantField(t, mach, "medium", "spec", "machineClass")
	wantField(t, mach, int64(6), "spec", "cpu", "cores")

	r = mustExit(t, s.plugin(t, "resize", "-n", ns, "pool", "--class", "retired"), 2)
	mustContain(t, "report", r.stdout, `MachineClass "retired" is disabled`, "0 updated, 0 unchanged, 1 failed")
	wantField(t, s.get(t, s.env.Supervisor, cluster.Machines, ns, "pool"), "medium", "spec", "machineClass")
}

func TestResizeDisk(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	class := "expand-" + ns
	s.create(t, a, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: "+class+"\nprovisioner: example.com/none\nallowVolumeExpansion: true\n")
	s.create(t, s.env.Supervisor, machineYAML(ns, "fixed", annotation(remoteA), "")+"---\n"+machineYAML(ns, "grows", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "fixed"))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "grows", "--storage-class", class))
	fixed := s.resizeVersions(t, a, ns, "fixed")

	t.Run("shrink is refused before any write", func(t *testing.T) {
		r := mustExit(t, s.plugin(t, "resize", "-n", ns, "fixed", "--disk", "root=5Gi"), 2)
		mustContain(t, "report", r.stdout, `--disk root=5Gi: disk "root" is 10Gi; a disk cannot shrink (nothing written)`)
	})
	t.Run("an unknown disk is refused", func(t *testing.T) {
		r := mustExit(t, s.plugin(t, "resize", "-n", ns, "fixed", "--disk", "data=50Gi"), 2)
		mustContain(t, "report", r.stdout, `the Machine has no disk "data" (its disks: root)`)
	})
	t.Run("a pending PVC is refused", func(t *testing.T) {
		r := mustExit(t, s.plugin(t, "resize", "-n", ns, "fixed", "--disk", "root=20Gi"), 2)
		mustContain(t, "report", r.stdout, `PVC "vm-fixed-root-pvc" on cluster`, "is Pending, not Bound")
	})
	t.Run("a StorageClass without expansion is refused", func(t *testing.T) {
		s.bind(t, a, ns, "vm-fixed-root-pvc")
		fixed = s.resizeVersions(t, a, ns, "fixed")
		r := mustExit(t, s.plugin(t, "resize", "-n", ns, "fixed", "--disk", "root=20Gi"), 2)
		mustContain(t, "report", r.stdout, `PVC "vm-fixed-root-pvc" cannot grow from 10Gi to 20Gi: its StorageClass "standard" does not allow volume expansion`)
		if after := s.resizeVersions(t, a, ns, "fixed"); after != fixed {
			t.Errorf("a refused resize wrote: %s -> %s", fixed, after)
		}
	})
	t.Run("growth", func(t *testing.T) {
		s.bind(t, a, ns, "vm-grows-root-pvc")
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "grows", "--disk", "root=20Gi"))
		wantAction(t, r, "persistentvolumeclaim/vm-grows-root-pvc", "updated: 10Gi → 20Gi")
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-grows", "unchanged")
		wantField(t, s.get(t, a, cluster.PVCs, ns, "vm-grows-root-pvc"), "20Gi", "spec", "resources", "requests", "storage")
		disks, _, _ := unstructured.NestedSlice(s.get(t, s.env.Supervisor, cluster.Machines, ns, "grows").Object, "spec", "disks")
		if fmt.Sprint(disks) != "[map[boot:true name:root sizeGB:20]]" {
			t.Errorf("spec.disks = %v", disks)
		}
		r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "grows", "--disk", "root=20Gi"))
		mustContain(t, "re-run", r.stdout, "0 updated, 3 unchanged, 0 failed")
	})
}

// TestResizeLeavesAMachineChangedAfterPlanning changes the Machine between resize's plan and its
// writes (the "diff program" runs in that moment): the Machine's patch carries the planned
// resourceVersion, so it is refused, the change made meanwhile stays, and nothing after it is written.
func TestResizeLeavesAMachineChangedAfterPlanning(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, s.env.Supervisor, machineYAML(ns, "race", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "race"))
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-race")

	kubectl := fmt.Sprintf("%q --kubeconfig %q", filepath.Join(s.assets, "kubectl"), s.env.Supervisor.KubeconfigPath)
	prog := filepath.Join(t.TempDir(), "change-machine")
	script := fmt.Sprintf("#!/bin/sh\n%s patch machines.vitistack.io -n %s race --type=merge -p '{\"spec\":{\"cpu\":{\"cores\":3}}}' >&2\n", kubectl, ns)
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.pluginWith(t, "", []string{"KUBECTL_EXTERNAL_DIFF=" + prog}, "resize", "-n", ns, "race", "--cpu", "8", "--diff"), 2)
	wantActionPrefix(t, r, "machine.vitistack.io/race", "error: cluster ")
	mustContain(t, "report", r.stdout, "machine.vitistack.io/race: changed since it was read; nothing written",
		"skipped: not attempted: machine.vitistack.io/race failed", "0 updated, 1 unchanged, 1 skipped, 1 failed")
	wantField(t, s.get(t, s.env.Supervisor, cluster.Machines, ns, "race"), int64(3), "spec", "cpu", "cores")
	if after := s.get(t, a, cluster.VirtualMachines, ns, "vm-race"); after.GetResourceVersion() != vm.GetResourceVersion() {
		t.Error("the VM was written after the Machine's write was refused")
	}
}

// TestResizeRestartsWhatNeedsIt: off a terminal, if-required restarts nothing without --yes (and
// says so); with --yes it restarts exactly the VMs whose change needs it, through KubeVirt's restart
// call, and --wait waits for the new VMI; --restart=never and a re-run restart nothing.
func TestResizeRestartsWhatNeedsIt(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, s.env.Supervisor, machineYAML(ns, "app", annotation(remoteA), "")+"---\n"+machineYAML(ns, "db", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "app", "db"))
	if err := a.KubeVirt.Controller.Settle(context.Background(), ns); err != nil {
		t.Fatal(err)
	}

	r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "app", "--cpu", "3"))
	mustContain(t, "stderr", r.stderr, "note: 1 VM not restarted: standard input is not a terminal to ask on (pass --yes to restart, or --restart=never")
	if n := len(s.calls(remoteA, ns)); n != 0 {
		t.Errorf("%d subresource calls without --yes", n)
	}
	r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "app", "--cpu", "3", "--restart=never"))
	mustContain(t, "re-run", r.stdout, "0 updated, 3 unchanged, 0 failed\n")

	vmiBefore := s.get(t, a, cluster.VirtualMachineInstances, ns, "vm-db")
	if vmiBefore == nil {
		t.Fatal("the stand-in virt-controller made no VMI for vm-db")
	}
	r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "db", "--memory", "3Gi", "--yes", "--wait", "--timeout", "30s"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-db", "updated: memory 2Gi → 3Gi (restart required)")
	mustContain(t, "restart report", r.stdout, "\nMACHINE ", " vm-db  restarted\n", "1 restarted, 0 unchanged, 0 failed\n")
	calls := s.calls(remoteA, ns)
	if len(calls) != 1 || calls[0].Subresource != "restart" || calls[0].Name != "vm-db" {
		t.Errorf("subresource calls: %+v", calls)
	}
	if u := s.get(t, a, cluster.VirtualMachineInstances, ns, "vm-db"); u == nil || u.GetUID() == vmiBefore.GetUID() {
		t.Error("--wait returned before the new VMI was there")
	}
	r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "db", "--memory", "3Gi", "--yes"))
	mustContain(t, "re-run", r.stdout, "0 updated, 3 unchanged, 0 failed\n")
	if n := len(s.calls(remoteA, ns)); n != 1 {
		t.Errorf("a re-run made %d more calls", n-1)
	}
}

func TestResizeRefusesOwnedAndUnprovisionedMachines(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	owned := strings.Replace(machineYAML(ns, "owned", annotation(remoteA), ""), "metadata:\n", "metadata:\n  finalizers: [machine.vitistack.io/finalizer]\n", 1)
	s.create(t, s.env.Supervisor, owned+"---\n"+machineYAML(ns, "ghost", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "owned", "--force"))
	before := s.resizeVersions(t, s.env.Remote(remoteA), ns, "owned")
	r := mustExit(t, s.plugin(t, "resize", "-n", ns, "owned", "ghost", "--cpu", "4"), 2)
	mustContain(t, "report", r.stdout, `machine "`+ns+`/owned" carries the finalizer machine.vitistack.io/finalizer`, "use --force",
		`machine "`+ns+`/ghost" is not provisioned: no VirtualMachine "vm-ghost"`, "0 updated, 0 unchanged, 2 failed")
	if after := s.resizeVersions(t, s.env.Remote(remoteA), ns, "owned"); after != before {
		t.Errorf("a refused resize wrote: %s -> %s", before, after)
	}
	r = mustSucceed(t, s.plugin(t, "resize", "-n", ns, "owned", "--cpu", "4", "--force"))
	wantAction(t, r, "machine.vitistack.io/owned", "updated")
}

// TestResizeLeaksNoSecretAtAnyVerbosity resizes (server dry run, so every write is sent) a Machine
// whose VM carries its user data inline, as the operator writes it, at every -v: the user data shows
// nowhere, in the diff or in the request logs.
func TestResizeLeaksNoSecretAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	const canary = "CANARY-resize-userdata"
	s.create(t, s.env.Supervisor, machineYAML(ns, "leaky", annotation(remoteA), ""))
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, a, strings.Replace(pvcYAML(ns, "vm-leaky-root-pvc", "    vitistack.io/source-machine: leaky\n"), "storage: 1Gi", "storage: 10Gi", 1))
	s.create(t, a, "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm-leaky\n  namespace: "+ns+
		"\n  labels:\n    vitistack.io/source-machine: leaky\nspec:\n  runStrategy: Halted\n  template:\n    spec:\n      domain:\n        devices: {}\n"+
		"      volumes:\n      - name: cloudinitdisk\n        cloudInitNoCloud:\n          userData: \""+canary+"\"\n")
	sawRedaction := false
	for v := 0; v <= 10; v++ {
		r := mustSucceed(t, s.plugin(t, "resize", "-n", ns, "leaky", "--cpu", "4", "--dry-run=server", fmt.Sprintf("-v=%d", v)))
		mustContain(t, "diff", r.stdout, "userData: '***'", "+          cores: 4")
		if strings.Contains(r.stdout+r.stderr, canary) {
			t.Errorf("-v=%d: cloud-init user data leaked", v)
		}
		sawRedaction = sawRedaction || strings.Contains(r.stderr, "not logged by kubectl-vitimachine")
	}
	if !sawRedaction {
		t.Error("no redacted body seen at -v=8..10: the sweep did not exercise body logging")
	}
}
