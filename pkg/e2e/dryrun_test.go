package e2e

import (
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestCreateDryRunClientWritesNothingAnywhere(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "app", "", "  machineClass: medium\n"))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--kubevirt-config", remoteB, "--dry-run=client"))
	mustContain(t, "report", r.stdout, "would create", "4 to create, 0 unchanged, 0 failed (dry run: client)")
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "app") != nil {
		t.Error("client dry-run created the Machine")
	}
	if s.get(t, s.env.Remote(remoteB), cluster.Namespaces, "", ns) != nil {
		t.Error("client dry-run created the namespace")
	}
}

func TestCreateDryRunServerValidatesOnTheServerAndStoresNothing(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	file := writeFile(t, "m.yaml", machineYAML(ns, "app", annotation(remoteB), ""))

	// The namespace does not exist: objects in it cannot be server-validated.
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=server"))
	wantAction(t, r, "namespace/"+ns, "would create")
	wantAction(t, r, "persistentvolumeclaim/vm-app-root-pvc", "would create (namespace pending)")
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-app", "would create (namespace pending)")
	mustContain(t, "report", r.stdout, "(dry run: server)")
	if s.get(t, b, cluster.Namespaces, "", ns) != nil || s.get(t, s.env.Supervisor, cluster.Machines, ns, "app") != nil {
		t.Fatal("server dry-run stored objects")
	}

	// With the namespace there, the PVC and the VM are sent with dryRun=All and checked by the server.
	s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=server"))
	if strings.Contains(r.stdout, "namespace pending") {
		t.Errorf("namespace exists, yet objects are pending:\n%s", r)
	}
	wantAction(t, r, "persistentvolumeclaim/vm-app-root-pvc", "would create")
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-app", "would create")
	if s.count(t, b, cluster.PVCs, ns) != 0 || s.count(t, b, cluster.VirtualMachines, ns) != 0 {
		t.Error("server dry-run stored PVCs or VMs")
	}
}

func TestDiffExitCodes(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "api", annotation(remoteA), ""))

	r := mustExit(t, s.plugin(t, "diff", "-f", file), 1)
	mustContain(t, "diff", r.stdout,
		"--- live/kv-a/kubevirt.io.v1.VirtualMachine."+ns+".vm-api", "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns+".vm-api",
		"+kind: VirtualMachine", "+  runStrategy: Always", "+kind: Namespace", "+kind: PersistentVolumeClaim")
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "api") != nil {
		t.Fatal("diff wrote the Machine")
	}

	mustSucceed(t, s.plugin(t, "create", "-f", file))
	r = mustExit(t, s.plugin(t, "diff", "-f", file), 0)
	if r.stdout != "" {
		t.Errorf("no differences expected, got:\n%s", r.stdout)
	}
	mustExit(t, s.plugin(t, "diff", "-n", ns, "api"), 0)

	// An existing object that differs from what create would make: exit 1, with the difference shown.
	r = mustExit(t, s.plugin(t, "diff", "-n", ns, "api", "--storage-class", "other"), 1)
	mustContain(t, "diff", r.stdout, "-  storageClassName: standard", "+  storageClassName: other")

	r = mustExit(t, s.plugin(t, "diff", "-n", ns, "no-such-machine"), 2)
	mustContain(t, "stderr", r.stderr, `machine "no-such-machine" not found`)
	if r.stdout != "" {
		t.Errorf("a failed command printed to stdout:\n%s", r.stdout)
	}
}

func TestCreateDiffFlagShowsTheDiffAndTheReport(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "w", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: hunter2\\n\"\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "--diff"))
	// The cloud-init goes into a Secret of its own on the remote cluster, masked too.
	mustContain(t, "output", r.stdout, "+kind: Machine", "userData: '***'", "+kind: VirtualMachine", "+kind: Secret", "+  userdata: '***'", "5 to create")
	if strings.Contains(r.stdout+r.stderr, "hunter2") {
		t.Errorf("cloud-init user data leaked into the diff:\n%s", r)
	}
}

func TestAMachineAppliedWithKubectlMatchesItsFile(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "applied", annotation(remoteA), "  machineClass: small\n  memory: 25769803776\n"))
	mustSucceed(t, s.kubectl(t, call{args: []string{"apply", "-f", file}}))
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	r := mustExit(t, s.plugin(t, "diff", "-f", file), 0)
	if r.stdout != "" {
		t.Errorf("a Machine applied from its file differs from the file:\n%s", r.stdout)
	}
	r = mustSucceed(t, s.plugin(t, "create", "-f", file))
	wantAction(t, r, "machine.vitistack.io/applied", "unchanged")
}
