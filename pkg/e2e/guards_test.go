package e2e

import (
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestDuplicateGuardCreatesNothingForAnAlreadyProvisionedMachine(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	// The operator provisioned this Machine under its own naming: VM "db", labelled with the Machine.
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, a, vmYAML(ns, "db", "    vitistack.io/source-machine: db\n"))
	s.create(t, s.env.Supervisor, machineYAML(ns, "db", annotation(remoteA), ""))

	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "db"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-db", "skipped")
	mustContain(t, "report", r.stdout, `already provisioned as virtualmachine "db"`)
	if n := s.count(t, a, cluster.PVCs, ns); n != 0 {
		t.Errorf("%d PVCs created for a provisioned Machine", n)
	}
	if n := s.count(t, a, cluster.VirtualMachines, ns); n != 1 {
		t.Errorf("%d VMs, want only the operator's", n)
	}

	// The legacy label key counts too.
	s.create(t, a, vmYAML(ns, "legacy-vm", "    source-machine: old\n"))
	s.create(t, s.env.Supervisor, machineYAML(ns, "old", annotation(remoteA), ""))
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "old"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-old", "skipped")
}

func TestOwnershipGuardRefusesOperatorOwnedMachinesUnlessForced(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	m := strings.Replace(machineYAML(ns, "owned", annotation(remoteA), ""), "metadata:\n", "metadata:\n  finalizers: [machine.vitistack.io/finalizer]\n", 1)
	s.create(t, s.env.Supervisor, m)

	r := mustExit(t, s.plugin(t, "create", "-n", ns, "owned"), 2)
	mustContain(t, "report", r.stdout, "machine.vitistack.io/finalizer", "--force")
	if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Fatal("a refused Machine wrote its namespace")
	}
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "owned", "--force"))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-owned", "created")
}

func TestRefusalsWriteNothing(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	good := machineYAML(ns, "good", annotation(remoteA), "")

	t.Run("not a Machine in the input refuses the whole input", func(t *testing.T) {
		file := writeFile(t, "m.yaml", good+"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "stderr", r.stderr, "document 2", "ConfigMap is not a Machine")
	})
	t.Run("unknown field", func(t *testing.T) {
		file := writeFile(t, "m.yaml", good+"  cpuz: 3\n")
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "stderr", r.stderr, "document 1", `unknown field "spec.cpuz"`)
	})
	t.Run("malformed YAML", func(t *testing.T) {
		file := writeFile(t, "m.yaml", good+"  disks: [\n")
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "stderr", r.stderr, "m.yaml document 1")
	})
	t.Run("disabled MachineClass", func(t *testing.T) {
		file := writeFile(t, "m.yaml", machineYAML(ns, "old-class", annotation(remoteA), "  machineClass: retired\n"))
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "report", r.stdout, `MachineClass "retired" is disabled`)
	})
	t.Run("missing MachineClass", func(t *testing.T) {
		file := writeFile(t, "m.yaml", machineYAML(ns, "no-class", annotation(remoteA), "  machineClass: huge\n"))
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "report", r.stdout, `spec.machineClass: MachineClass "huge" not found`)
	})
	t.Run("disk name that is not DNS-1123", func(t *testing.T) {
		file := writeFile(t, "m.yaml", machineYAML(ns, "bad-disk", annotation(remoteA), "  disks:\n    - name: Data_1\n"))
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "report", r.stdout, `spec.disks[0].name: disk name "Data_1" is not valid`)
	})
	t.Run("unknown KubevirtConfig", func(t *testing.T) {
		file := writeFile(t, "m.yaml", machineYAML(ns, "nowhere", annotation("kv-gone"), ""))
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "report", r.stdout, `KubevirtConfig "kv-gone" not found`, "kv-a, kv-b")
	})
	for _, name := range []string{"good", "old-class", "no-class", "bad-disk", "nowhere"} {
		if s.get(t, s.env.Supervisor, cluster.Machines, ns, name) != nil {
			t.Errorf("refused input created Machine %q on the supervisor", name)
		}
	}
	if s.get(t, a, cluster.Namespaces, "", ns) != nil {
		t.Error("refused input created the remote namespace")
	}
}

func TestOneRefusedMachineDoesNotStopTheOthers(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "fine", annotation(remoteA), "")+"---\n"+
		machineYAML(ns, "broken", annotation(remoteA), "  machineClass: retired\n"))
	r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-fine", "created")
	wantAction(t, r, "machine.vitistack.io/broken", "error")
	mustContain(t, "summary", r.stdout, "1 failed")
	mustContain(t, "stderr", r.stderr, "error: 1 failed")
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "broken") != nil {
		t.Error("the refused Machine was created on the supervisor")
	}
}

func TestProviderFilterSkipsOtherProviders(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	m := strings.Replace(machineYAML(ns, "px", annotation(remoteA), ""), "provider: kubevirt", "provider: proxmox", 1)
	s.create(t, s.env.Supervisor, m)
	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "px"))
	wantAction(t, r, "machine.vitistack.io/px", "skipped")
	mustContain(t, "report", r.stdout, `spec.provider is "proxmox"`)
	if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Error("a skipped Machine wrote its namespace")
	}
}

func vmYAML(namespace, name, labels string) string {
	return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: " + name + "\n  namespace: " + namespace +
		"\n  labels:\n" + labels + "spec:\n  runStrategy: Halted\n  template:\n    spec:\n      domain:\n        devices: {}\n"
}

func TestMachineFromAFileInANamespaceMissingOnTheSupervisor(t *testing.T) {
	s := needEnv(t)
	ns := "e2e-nowhere-" + strings.ToLower(t.Name()[4:12])
	file := writeFile(t, "m.yaml", machineYAML(ns, "lost", annotation(remoteA), ""))
	r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
	mustContain(t, "report", r.stdout, `namespace "`+ns+`" does not exist on the supervisor (create it first: kubectl create namespace `+ns+`)`)
	wantAction(t, r, "namespace/"+ns, "skipped")
	if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Error("the remote namespace was created although the Machine could not be")
	}
}

func TestMachinesSharingARefusedClassAreEachNamed(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "old-1", annotation(remoteA), "  machineClass: retired\n")+"---\n"+
		machineYAML(ns, "old-2", annotation(remoteA), "  machineClass: retired\n"))
	r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
	mustContain(t, "report", r.stdout, `machine "`+ns+`/old-1": spec.machineClass: MachineClass "retired" is disabled`,
		`machine "`+ns+`/old-2": spec.machineClass: MachineClass "retired" is disabled`)
}
