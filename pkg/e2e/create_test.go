package e2e

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestCreateFromFileRunsThePipelineOnTheAnnotatedCluster(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "web", annotation(remoteA), "  machineClass: small\n"))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file))
	mustContain(t, "report", r.stdout,
		"machine.vitistack.io/web", "namespace/"+ns, "persistentvolumeclaim/vm-web-root-pvc", "virtualmachine.kubevirt.io/vm-web",
		"4 created, 0 unchanged, 0 failed")

	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "web") == nil {
		t.Error("the Machine from the file was not created on the supervisor")
	}
	a := s.env.Remote(remoteA)
	nsObj := s.get(t, a, cluster.Namespaces, "", ns)
	if nsObj == nil || nsObj.GetLabels()["managed-by"] != "vitistack-kubevirt-operator" {
		t.Fatalf("remote namespace missing or without the managed-by label: %v", nsObj)
	}
	pvc := s.get(t, a, cluster.PVCs, ns, "vm-web-root-pvc")
	if pvc == nil {
		t.Fatal("PVC not created")
	}
	wantLabels(t, pvc, map[string]string{"managed-by": "vitistack-kubevirt-operator", "vitistack.io/source-machine": "web", "disk-type": "boot"})
	wantField(t, pvc, "10Gi", "spec", "resources", "requests", "storage")
	wantField(t, pvc, "Block", "spec", "volumeMode")
	wantField(t, pvc, "standard", "spec", "storageClassName")
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-web")
	if vm == nil {
		t.Fatal("VM not created")
	}
	wantLabels(t, vm, map[string]string{"managed-by": "vitistack-kubevirt-operator", "vitistack.io/source-machine": "web"})
	tl, _, _ := unstructured.NestedStringMap(vm.Object, "spec", "template", "metadata", "labels")
	if tl["vitistack.io/source-machine"] != "web" || tl["managed-by"] != "vitistack-kubevirt-operator" {
		t.Errorf("VM template labels = %v", tl)
	}
	wantField(t, vm, "Always", "spec", "runStrategy")
	wantField(t, vm, "host-model", "spec", "template", "spec", "domain", "cpu", "model")
	wantField(t, vm, int64(2), "spec", "template", "spec", "domain", "cpu", "cores")
	wantField(t, vm, "8Gi", "spec", "template", "spec", "domain", "memory", "guest")
	if s.get(t, s.env.Remote(remoteB), cluster.Namespaces, "", ns) != nil {
		t.Error("the other remote cluster got the namespace")
	}

	// A second run writes nothing: every object is unchanged and keeps its resourceVersion.
	before := versions(t, s, ns)
	r = mustSucceed(t, s.plugin(t, "create", "-f", file))
	mustContain(t, "re-run report", r.stdout, "0 created, 4 unchanged, 0 failed")
	if after := versions(t, s, ns); after != before {
		t.Errorf("re-run changed objects: %s -> %s", before, after)
	}
}

func TestCreateLeavesAnExistingNamespaceUntouched(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n  labels:\n    team: blue\n")
	before := s.get(t, a, cluster.Namespaces, "", ns)
	s.create(t, s.env.Supervisor, machineYAML(ns, "db", annotation(remoteA), ""))

	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "db"))
	mustContain(t, "report", r.stdout, "namespace/"+ns, "unchanged", "2 created, 1 unchanged, 0 failed")
	after := s.get(t, a, cluster.Namespaces, "", ns)
	if after.GetResourceVersion() != before.GetResourceVersion() {
		t.Errorf("namespace was modified: resourceVersion %s -> %s", before.GetResourceVersion(), after.GetResourceVersion())
	}
	if _, ok := after.GetLabels()["managed-by"]; ok {
		t.Error("the plugin added its label to an existing namespace")
	}
}

func wantLabels(t *testing.T, u *unstructured.Unstructured, want map[string]string) {
	t.Helper()
	got := u.GetLabels()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s: label %s = %q, want %q (labels %v)", u.GetKind(), u.GetName(), k, got[k], v, got)
		}
	}
}

func wantField(t *testing.T, u *unstructured.Unstructured, want any, path ...string) {
	t.Helper()
	got, _, err := unstructured.NestedFieldNoCopy(u.Object, path...)
	if err != nil || got != want {
		t.Errorf("%s %s: %s = %#v, want %#v", u.GetKind(), u.GetName(), strings.Join(path, "."), got, want)
	}
}

// versions is the resourceVersions of the test namespace's objects on remote A and the supervisor.
func versions(t *testing.T, s *suite, ns string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []struct {
		plane     string
		r         cluster.Resource
		namespace string
	}{{remoteA, cluster.PVCs, ns}, {remoteA, cluster.VirtualMachines, ns}, {"supervisor", cluster.Machines, ns}} {
		plane := s.env.Supervisor
		if p.plane != "supervisor" {
			plane = s.env.Remote(p.plane)
		}
		err := s.client(t, plane).List(t.Context(), p.r, p.namespace, "", func(u *unstructured.Unstructured) error {
			b.WriteString(u.GetName() + "@" + u.GetResourceVersion() + " ")
			return nil
		})
		if err != nil {
			t.Fatalf("list %s on %s: %v", p.r.GVR.Resource, p.plane, err)
		}
	}
	nsObj := s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns)
	if nsObj != nil {
		b.WriteString("ns@" + nsObj.GetResourceVersion())
	}
	return b.String()
}

func TestSeveralMachinesInOneNewNamespace(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	var docs []string
	for _, m := range []string{"one", "two", "three"} {
		docs = append(docs, machineYAML(ns, m, annotation(remoteB), ""))
	}
	file := writeFile(t, "m.yaml", strings.Join(docs, "---\n"))
	for _, mode := range []string{"--dry-run=client", "--dry-run=server", "--dry-run=none"} {
		r := mustSucceed(t, s.plugin(t, "create", "-f", file, mode))
		created := 0
		for _, line := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[2] == "namespace/"+ns {
				if strings.HasPrefix(strings.Join(f[3:], " "), "created") || strings.HasPrefix(strings.Join(f[3:], " "), "would create") {
					created++
				} else if !strings.Contains(line, "in this run for machine "+ns+"/one") {
					t.Errorf("%s: %s", mode, line)
				}
			}
		}
		if created != 1 {
			t.Errorf("%s: namespace created %d times in the report, want once\n%s", mode, created, r)
		}
		if strings.Contains(r.stdout, "someone else") {
			t.Errorf("%s: the run's own namespace is reported as someone else's\n%s", mode, r)
		}
	}
	if n := s.count(t, s.env.Remote(remoteB), cluster.VirtualMachines, ns); n != 3 {
		t.Errorf("%d VMs, want 3", n)
	}
}
