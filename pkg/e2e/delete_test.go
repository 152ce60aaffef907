package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// Objects of other owners that share a namespace with a Machine delete works on.
const (
	foreignVM  = "foreign-vm"
	foreignPVC = "foreign-pvc"
	otherPVC   = "vm-other-root-pvc"
)

// addNeighbours puts into a remote namespace a VM and a PVC without the plugin's labels and a PVC
// of another Machine, and returns their resourceVersions with the namespace's.
func (s *suite) addNeighbours(t *testing.T, p *testenv.Plane, ns, managedBy string) string {
	t.Helper()
	s.create(t, p, vmYAML(ns, foreignVM, "    app: foreign\n"))
	s.create(t, p, pvcYAML(ns, foreignPVC, "    app: foreign\n"))
	s.create(t, p, pvcYAML(ns, otherPVC, "    "+managedBy+"\n    vitistack.io/source-machine: other\n"))
	return s.neighbours(t, p, ns)
}

// neighbours are the resourceVersions of the namespace and of addNeighbours' objects ("" for one
// that is gone).
func (s *suite) neighbours(t *testing.T, p *testenv.Plane, ns string) string {
	t.Helper()
	var b strings.Builder
	for _, o := range []struct {
		r               cluster.Resource
		namespace, name string
	}{{cluster.Namespaces, "", ns}, {cluster.VirtualMachines, ns, foreignVM}, {cluster.PVCs, ns, foreignPVC}, {cluster.PVCs, ns, otherPVC}} {
		rv := ""
		if u := s.get(t, p, o.r, o.namespace, o.name); u != nil && u.GetDeletionTimestamp() == nil {
			rv = u.GetResourceVersion()
		}
		fmt.Fprintf(&b, "%s=%s ", o.name, rv)
	}
	return b.String()
}

// wantActionPrefix fails unless the object's row starts with want.
func wantActionPrefix(t *testing.T, r result, object, want string) {
	t.Helper()
	if got := action(r.stdout, object); !strings.HasPrefix(got, want) {
		t.Errorf("%s: action %q, want %q…\n%s", object, got, want, r)
	}
}

func pvcYAML(ns, name, labels string) string {
	return "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  labels:\n" + labels +
		"spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
}

func secretYAML(ns, name, labels string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  labels:\n" + labels + "stringData:\n  userdata: \"#cloud-config\\n\"\n"
}

// gone reports whether an object is gone or being deleted (PVCs wait for kubernetes.io/pvc-protection,
// which no controller removes on the test control planes).
func (s *suite) gone(t *testing.T, p *testenv.Plane, r cluster.Resource, ns, name string) bool {
	t.Helper()
	u := s.get(t, p, r, ns, name)
	return u == nil || u.GetDeletionTimestamp() != nil
}

// release plays the PVC protection controller: it lets a deleted PVC go.
func (s *suite) release(t *testing.T, p *testenv.Plane, ns, name string) {
	t.Helper()
	err := s.client(t, p).MergePatch(context.Background(), cluster.PVCs, ns, name, []byte(`{"metadata":{"finalizers":null}}`), cluster.WriteOptions{FieldManager: testenv.HarnessUserAgent})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteRemovesWhatCreateMadeUnderEitherNaming(t *testing.T) {
	s := needEnv(t)
	for _, tc := range []struct {
		naming, managedBy, vm string
		pvcs                  []string
		summary               string
	}{
		{"seed", "managed-by: vitistack-kubevirt-operator", "vm-web", []string{"vm-web-os-pvc", "vm-web-data-pvc"}, "4 deleted, 0 not found, 1 kept, 0 failed"},
		// Operator naming also made the NetworkConfiguration that keeps the VM's MAC.
		{"operator", "vitistack.io/managed-by: kubevirt-operator", "web", []string{"web", "web-data"}, "5 deleted, 0 not found, 1 kept, 0 failed"},
	} {
		t.Run(tc.naming, func(t *testing.T) {
			ns := s.namespace(t)
			a := s.env.Remote(remoteA)
			label := "--managed-by-label=" + strings.Replace(tc.managedBy, ": ", "=", 1)
			file := writeFile(t, "m.yaml", machineYAML(ns, "web", annotation(remoteA),
				"  disks:\n  - {name: os, sizeGB: 20, boot: true}\n  - {name: data, sizeGB: 5}\n"))
			mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", tc.naming, label))
			s.create(t, a, secretYAML(ns, tc.vm+"-cloudinit", "    "+tc.managedBy+"\n    vitistack.io/source-machine: web\n"))
			before := s.addNeighbours(t, a, ns, tc.managedBy)

			r := mustSucceed(t, s.plugin(t, "delete", "-n", ns, "web", "--naming", tc.naming, label))
			wantAction(t, r, "namespace/"+ns, "kept: namespaces are never deleted")
			wantAction(t, r, "virtualmachine.kubevirt.io/"+tc.vm, "deleted")
			wantAction(t, r, "secret/"+tc.vm+"-cloudinit", "deleted")
			for _, pvc := range tc.pvcs {
				wantAction(t, r, "persistentvolumeclaim/"+pvc, "deleted")
				if !s.gone(t, a, cluster.PVCs, ns, pvc) {
					t.Errorf("PVC %s is still there", pvc)
				}
			}
			mustContain(t, "report", r.stdout, tc.summary)
			if s.get(t, a, cluster.VirtualMachines, ns, tc.vm) != nil || s.get(t, a, cluster.Secrets, ns, tc.vm+"-cloudinit") != nil {
				t.Error("the VM or the Secret is still there")
			}
			for _, other := range []string{foreignVM, foreignPVC, otherPVC} {
				if action(r.stdout, "persistentvolumeclaim/"+other) != "" || action(r.stdout, "virtualmachine.kubevirt.io/"+other) != "" {
					t.Errorf("%s is in the report", other)
				}
			}
			if after := s.neighbours(t, a, ns); after != before {
				t.Errorf("the namespace or its other objects changed: %s -> %s", before, after)
			}
			if s.get(t, s.env.Supervisor, cluster.Machines, ns, "web") == nil {
				t.Error("the Machine was deleted without --machine")
			}

			// Once the disks are released, a re-run finds nothing of the Machine and writes nothing.
			for _, pvc := range tc.pvcs {
				s.release(t, a, ns, pvc)
			}
			m := s.mark(t)
			r = mustSucceed(t, s.plugin(t, "delete", "-n", ns, "web", "--naming", tc.naming, label))
			mustContain(t, "re-run", r.stdout, "0 deleted, 1 not found, 1 kept, 0 failed")
			wantAction(t, r, "virtualmachine.kubevirt.io/"+tc.vm, "not found")
			for _, p := range s.planes() {
				if n := writes(s.requests(t, m, p)); n != 0 {
					t.Errorf("re-run wrote %d times to %s", n, p.Name)
				}
			}
			got := budget(s.requests(t, m, a))
			for req, n := range map[string]int{"get namespaces": 1, "list virtualmachines": 1, "list persistentvolumeclaims": 1} {
				if got[req] != n {
					t.Errorf("re-run on the remote: %s=%d, want %d (%s)", req, got[req], n, show(got))
				}
			}
		})
	}
}

func TestDeleteDryRunsDeleteNothing(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "dry", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: dry-secret\\n\"\n"))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	before := versions(t, s, ns)
	for _, mode := range []string{"client", "server"} {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "delete", "-f", file, "--machine", "--dry-run="+mode, "--diff"))
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-dry", "would delete")
		wantAction(t, r, "persistentvolumeclaim/vm-dry-root-pvc", "would delete")
		wantAction(t, r, "machine.vitistack.io/dry", "would delete")
		// The VM, its PVC, its cloud-init Secret and the Machine.
		wantAction(t, r, "secret/vm-dry-cloudinit", "would delete")
		mustContain(t, mode+" report", r.stdout, "4 to delete, 0 not found, 1 kept, 0 failed (dry run: "+mode+")",
			"--- live/kv-a/kubevirt.io.v1.VirtualMachine."+ns+".vm-dry\n", "-kind: VirtualMachine", "-  runStrategy: Always", "-kind: Machine", "userData: '***'")
		if strings.Contains(r.stdout, "dry-secret") {
			t.Errorf("user data leaked into the diff:\n%s", r.stdout)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++") {
				t.Errorf("%s: an addition in a diff of deletions: %q", mode, line)
			}
		}
		if after := versions(t, s, ns); after != before {
			t.Errorf("--dry-run=%s changed objects: %s -> %s", mode, before, after)
		}
		deletes := 0
		for _, p := range s.planes() {
			for _, e := range s.requests(t, m, p) {
				if e.Verb == "delete" {
					deletes++
				}
			}
			if n := writes(s.requests(t, m, p)); mode == "client" && n != 0 {
				t.Errorf("--dry-run=client sent %d writes to %s", n, p.Name)
			}
		}
		if want := map[string]int{"client": 0, "server": 4}[mode]; deletes != want {
			t.Errorf("--dry-run=%s sent %d deletes, want %d (with dryRun=All)", mode, deletes, want)
		}
	}
	r := mustSucceed(t, s.plugin(t, "delete", "-f", file, "--dry-run=client", "-o", "name"))
	if r.stdout != "virtualmachine.kubevirt.io/vm-dry\npersistentvolumeclaim/vm-dry-root-pvc\nsecret/vm-dry-cloudinit\n" {
		t.Errorf("-o name:\n%s", r)
	}
	mustContain(t, "stderr", r.stderr, "3 to delete")
}

func TestDeleteLeavesAVMReplacedAfterPlanning(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	file := writeFile(t, "m.yaml", machineYAML(ns, "swap", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	old := s.get(t, a, cluster.VirtualMachines, ns, "vm-swap")

	// The "diff program" runs after delete planned and before it deletes: it replaces the VM by a
	// new one of the same name, as someone else might in that moment.
	replacement := writeFile(t, "vm.yaml", vmYAML(ns, "vm-swap", "    vitistack.io/source-machine: swap\n"))
	kubectl := fmt.Sprintf("%q --kubeconfig %q", filepath.Join(s.assets, "kubectl"), a.KubeconfigPath)
	prog := filepath.Join(t.TempDir(), "replace-vm")
	script := fmt.Sprintf("#!/bin/sh\n%s delete virtualmachines.kubevirt.io -n %s vm-swap >&2 && %s create -f %q >&2\n", kubectl, ns, kubectl, replacement)
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.pluginWith(t, "", []string{"KUBECTL_EXTERNAL_DIFF=" + prog}, "delete", "-f", file, "--diff"), 2)
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-swap", "error")
	mustContain(t, "report", r.stdout, "virtualmachine.kubevirt.io/vm-swap: replaced or changed since it was planned; not deleted (run again to plan it as it is now)",
		"skipped: not attempted: virtualmachine.kubevirt.io/vm-swap failed", "0 deleted, 0 not found, 1 kept, 1 skipped, 1 failed")
	now := s.get(t, a, cluster.VirtualMachines, ns, "vm-swap")
	if now == nil || now.GetUID() == old.GetUID() {
		t.Fatalf("the replacement VM is gone or was never made (script output: %s)", r.stderr)
	}
	if s.gone(t, a, cluster.PVCs, ns, "vm-swap-root-pvc") {
		t.Error("the disk of the replaced VM was deleted")
	}
}

func TestDeleteKeepDisks(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	file := writeFile(t, "m.yaml", machineYAML(ns, "keep", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	pvc := s.get(t, a, cluster.PVCs, ns, "vm-keep-root-pvc")
	r := mustSucceed(t, s.plugin(t, "delete", "-f", file, "--keep-disks"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-keep", "deleted")
	wantAction(t, r, "persistentvolumeclaim/vm-keep-root-pvc", "kept: --keep-disks")
	if after := s.get(t, a, cluster.PVCs, ns, "vm-keep-root-pvc"); after == nil || after.GetResourceVersion() != pvc.GetResourceVersion() {
		t.Error("--keep-disks touched the disk")
	}
	// Without --keep-disks, a later run deletes the disk.
	r = mustSucceed(t, s.plugin(t, "delete", "-f", file))
	wantAction(t, r, "persistentvolumeclaim/vm-keep-root-pvc", "deleted")
}

func TestDeleteMachineFlagDeletesTheMachineLast(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "all", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	r := mustSucceed(t, s.plugin(t, "delete", "-f", file, "--machine"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 2 || !strings.Contains(lines[len(lines)-2], "machine.vitistack.io/all") || !strings.Contains(lines[len(lines)-2], "deleted") {
		t.Errorf("the Machine is not the last row:\n%s", r.stdout)
	}
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "all") != nil {
		t.Fatal("the Machine is still there")
	}
	s.release(t, s.env.Remote(remoteA), ns, "vm-all-root-pvc")

	// From the same file, a re-run finds nothing and writes nothing.
	m := s.mark(t)
	r = mustSucceed(t, s.plugin(t, "delete", "-f", file, "--machine"))
	wantAction(t, r, "machine.vitistack.io/all", "not found")
	mustContain(t, "re-run", r.stdout, "0 deleted, 2 not found, 1 kept, 0 failed")
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("re-run wrote %d times to %s", n, p.Name)
		}
	}
}

func TestDeleteRefusesOperatorOwnedMachinesUnlessForced(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	m := strings.Replace(machineYAML(ns, "owned", annotation(remoteA), ""), "metadata:\n", "metadata:\n  finalizers: [machine.vitistack.io/finalizer]\n", 1)
	s.create(t, s.env.Supervisor, m)
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "owned", "--force"))
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-owned")

	r := mustExit(t, s.plugin(t, "delete", "-n", ns, "owned"), 2)
	mustContain(t, "report", r.stdout, "machine.vitistack.io/finalizer", "--force", "kubectl delete machine -n "+ns+" owned", "0 deleted, 0 not found, 0 kept, 1 failed")
	if now := s.get(t, a, cluster.VirtualMachines, ns, "vm-owned"); now == nil || now.GetResourceVersion() != vm.GetResourceVersion() {
		t.Fatal("a refused Machine's VM was touched")
	}
	r = mustSucceed(t, s.plugin(t, "delete", "-n", ns, "owned", "--force"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-owned", "deleted")
}

func TestDeleteKeepsObjectsOfOthers(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, a, vmYAML(ns, "vm-hand", "    app: hand-made\n"))
	s.create(t, a, vmYAML(ns, "vm-stolen", "    vitistack.io/source-machine: thief\n"))
	for _, name := range []string{"hand", "stolen"} {
		s.create(t, s.env.Supervisor, machineYAML(ns, name, annotation(remoteA), ""))
	}
	before := versions(t, s, ns)
	r := mustSucceed(t, s.plugin(t, "delete", "-n", ns, "hand", "stolen"))
	wantActionPrefix(t, r, "virtualmachine.kubevirt.io/vm-hand", "kept: not created by vitimachine (")
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-stolen", "kept: belongs to machine thief")
	mustContain(t, "report", r.stdout, "0 deleted, 0 not found, 4 kept, 0 failed")
	if after := versions(t, s, ns); after != before {
		t.Errorf("objects changed: %s -> %s", before, after)
	}
}

func TestDeleteNetworkAttachmentDefinitionOnlyWhenUnused(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, a, "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: vlan100\n  namespace: "+ns+
		"\n  labels:\n    managed-by: vitistack-kubevirt-operator\n    vitistack.io/vlan-id: \"100\"\nspec:\n  config: '{\"cniVersion\":\"1.0.0\",\"name\":\"br0\",\"plugins\":[{\"type\":\"bridge\",\"bridge\":\"br0\",\"vlan\":100}]}'\n")
	for _, name := range []string{"a", "b"} {
		s.create(t, a, multusVMYAML(ns, "vm-"+name, name, "vlan100"))
		s.create(t, s.env.Supervisor, machineYAML(ns, name, annotation(remoteA), ""))
	}
	nad := s.get(t, a, cluster.NetworkAttachmentDefinitions, ns, "vlan100")

	r := mustSucceed(t, s.plugin(t, "delete", "-n", ns, "a"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-a", "deleted")
	wantAction(t, r, "networkattachmentdefinition.k8s.cni.cncf.io/vlan100", "kept: used by virtualmachine vm-b")
	if now := s.get(t, a, cluster.NetworkAttachmentDefinitions, ns, "vlan100"); now == nil || now.GetResourceVersion() != nad.GetResourceVersion() {
		t.Fatal("the NAD vm-b uses was touched")
	}
	r = mustSucceed(t, s.plugin(t, "delete", "-n", ns, "b"))
	wantAction(t, r, "networkattachmentdefinition.k8s.cni.cncf.io/vlan100", "deleted")
	if s.get(t, a, cluster.NetworkAttachmentDefinitions, ns, "vlan100") != nil {
		t.Error("the NAD no VM uses any more is still there")
	}
}

// multusVMYAML is a VM of a Machine attached to a Multus network.
func multusVMYAML(ns, name, machine, network string) string {
	return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
		"\n  labels:\n    managed-by: vitistack-kubevirt-operator\n    vitistack.io/source-machine: " + machine +
		"\nspec:\n  runStrategy: Halted\n  template:\n    spec:\n      domain:\n        devices:\n          interfaces:\n          - {name: net, bridge: {}}\n" +
		"      networks:\n      - name: net\n        multus:\n          networkName: " + network + "\n"
}

func TestDeleteNetworkConfigurationOnTheSupervisor(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	nc := func(name, labels string) string {
		return "apiVersion: vitistack.io/v1alpha1\nkind: NetworkConfiguration\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  labels:\n" + labels +
			"spec:\n  name: " + name + "\n  networkInterfaces:\n  - {name: default, macAddress: \"02:12:00:00:00:01\"}\n"
	}
	for _, name := range []string{"netm", "handm"} {
		mustSucceed(t, s.plugin(t, "create", "-f", writeFile(t, name+".yaml", machineYAML(ns, name, annotation(remoteA), ""))))
	}
	s.create(t, s.env.Supervisor, nc("netm", "    managed-by: vitistack-kubevirt-operator\n    vitistack.io/source-machine: netm\n"))
	s.create(t, s.env.Supervisor, nc("handm", "    team: net\n"))
	r := mustSucceed(t, s.plugin(t, "delete", "-n", ns, "netm", "handm"))
	wantAction(t, r, "networkconfiguration.vitistack.io/netm", "deleted")
	wantActionPrefix(t, r, "networkconfiguration.vitistack.io/handm", "kept: not created by vitimachine (")
	if s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "netm") != nil || s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "handm") == nil {
		t.Error("wrong NetworkConfigurations deleted")
	}
}

func TestDeleteWaitsUntilEveryObjectIsGone(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	file := writeFile(t, "m.yaml", machineYAML(ns, "slow", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	done := make(chan result, 1)
	go func() { done <- s.plugin(t, "delete", "-f", file, "--wait", "--timeout", "60s") }()

	// Play the PVC protection controller: once the PVC is being deleted, let it go.
	eventually(t, 30*time.Second, "the PVC is being deleted", func() bool {
		pvc := s.get(t, a, cluster.PVCs, ns, "vm-slow-root-pvc")
		return pvc != nil && pvc.GetDeletionTimestamp() != nil
	})
	s.release(t, a, ns, "vm-slow-root-pvc")
	select {
	case r := <-done:
		mustSucceed(t, r)
	case <-time.After(45 * time.Second):
		t.Fatal("--wait did not return after the PVC was gone")
	}
}

func TestDeleteWaitTimesOutNamingWhatIsStillThere(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "stuck", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	r := mustExit(t, s.plugin(t, "delete", "-f", file, "--wait", "--timeout", "2s"), 2)
	mustContain(t, "stderr", r.stderr, "still there after 2s", "persistentvolumeclaim/vm-stuck-root-pvc on kv-a: last status: terminating (finalizers: kubernetes.io/pvc-protection)")
	if strings.Contains(r.stderr, "waiting:") {
		t.Errorf("progress printed although stderr is not a terminal:\n%s", r.stderr)
	}
	screen, code := s.onTerminalExit(t, nil, "delete", "-f", file, "--wait", "--timeout", "2s")
	if code != 2 {
		t.Errorf("on a terminal, --wait that times out exited %d, want 2", code)
	}
	mustContain(t, "terminal", screen, "terminating: already being deleted (finalizers: kubernetes.io/pvc-protection)",
		"waiting: persistentvolumeclaim/vm-stuck-root-pvc on kv-a is terminating (finalizers: kubernetes.io/pvc-protection)")
}

func TestDeleteInterruptedAfterPlanningDeletesNothingAndARerunCompletes(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	file := writeFile(t, "m.yaml", machineYAML(ns, "intr", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	before := versions(t, s, ns)
	// The "diff program" runs between planning and the first delete; it interrupts the plugin
	// (its parent process) as Ctrl-C would.
	prog := filepath.Join(t.TempDir(), "interrupt")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nkill -INT $PPID\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.pluginWith(t, "", []string{"KUBECTL_EXTERNAL_DIFF=" + prog}, "delete", "-f", file, "--diff"), 130)
	// SIGINT reaches the plugin while it waits for the diff program, but Go hands it to the
	// cancelling goroutine asynchronously: under load the first delete can already be on its way and
	// is then cut short ("context canceled"). Either way nothing is deleted (checked below).
	if got := action(r.stdout, "virtualmachine.kubevirt.io/vm-intr"); got != "skipped: not attempted: interrupted" && !strings.Contains(got, "context canceled") {
		t.Errorf("vm-intr: %q, want skipped (not attempted: interrupted) or cut short (context canceled)\n%s", got, r)
	}
	mustContain(t, "report", r.stdout, "0 deleted, 0 not found, 1 kept")
	if after := versions(t, s, ns); after != before {
		t.Errorf("an interrupted run changed objects: %s -> %s", before, after)
	}
	r = mustSucceed(t, s.plugin(t, "delete", "-f", file))
	mustContain(t, "re-run", r.stdout, "2 deleted, 0 not found, 1 kept, 0 failed")
	if s.get(t, a, cluster.VirtualMachines, ns, "vm-intr") != nil {
		t.Error("the re-run left the VM")
	}
}

// TestDeleteLeaksNoSecretAtAnyVerbosity runs delete (server dry run with --diff) on a Machine whose
// VM and cloud-init Secret carry user data, at every -v from 0 to 10: neither the Secret's values
// (plain or base64) nor the VM's inline cloud-init show anywhere.
func TestDeleteLeaksNoSecretAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	const canary = "CANARY-delete-userdata"
	s.create(t, s.env.Supervisor, machineYAML(ns, "leaky", annotation(remoteA), ""))
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	// A VM as the operator writes it, with the user data inline, and the plugin's cloud-init Secret.
	s.create(t, a, "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm-leaky\n  namespace: "+ns+
		"\n  labels:\n    vitistack.io/source-machine: leaky\nspec:\n  runStrategy: Halted\n  template:\n    spec:\n      domain:\n        devices: {}\n"+
		"      volumes:\n      - name: cloudinitdisk\n        cloudInitNoCloud:\n          userData: \""+canary+"\"\n          secretRef:\n            name: vm-leaky-cloudinit\n")
	s.create(t, a, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vm-leaky-cloudinit\n  namespace: "+ns+
		"\n  labels:\n    managed-by: vitistack-kubevirt-operator\n    vitistack.io/source-machine: leaky\nstringData:\n  userdata: "+canary+"\n")
	encoded := "Q0FOQVJZLWRlbGV0ZS11c2VyZGF0YQ" // base64 of the canary, as the Secret stores it
	sawRedaction := false
	for v := 0; v <= 10; v++ {
		r := mustSucceed(t, s.plugin(t, "delete", "-n", ns, "leaky", "--dry-run=server", "--diff", fmt.Sprintf("-v=%d", v)))
		mustContain(t, "diff", r.stdout, "-kind: Secret", "-kind: VirtualMachine", "userdata: '***'", "userData: '***'")
		if strings.Contains(r.stdout+r.stderr, canary) || strings.Contains(r.stdout+r.stderr, encoded) {
			t.Errorf("-v=%d: cloud-init user data leaked", v)
		}
		sawRedaction = sawRedaction || strings.Contains(r.stderr, "not logged by kubectl-vitimachine")
	}
	if !sawRedaction {
		t.Error("no redacted body seen at -v=8..10: the sweep did not exercise body logging")
	}
}
