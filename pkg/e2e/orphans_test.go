package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// orphanRows are the KIND CLUSTER NAME cells of orphans's table, one string per row.
func orphanRows(out string) []string {
	var rows []string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 4 {
			continue
		}
		rows = append(rows, f[0]+" "+f[1]+" "+f[3])
	}
	return rows
}

// runFix runs a FIX command in bash, as a user would paste it, against the main supervisor.
func (s *suite) runFix(t *testing.T, fix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", fix)
	cmd.Env = []string{"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fix %q: %v\n%s", fix, err, out)
	}
}

func TestOrphansOfEveryKindWithARunnableFixAndNothingWritten(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	disks := "  disks:\n  - {name: os, sizeGB: 10, boot: true}\n"
	s.create(t, s.env.Supervisor, machineYAML(ns, "live", annotation(remoteA), disks)+"---\n"+
		machineYAML(ns, "gone", annotation(remoteA), disks+"  cloudInit:\n    userData: \"#cloud-config\\n\"\n")+"---\n"+
		machineYAML(ns, "novm", annotation(remoteB), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "live", "gone"))
	if err := deleteObject(context.Background(), s.client(t, s.env.Supervisor), cluster.Machines, ns, "gone"); err != nil {
		t.Fatal(err)
	}
	vmi := testenv.Object("kubevirt.io/v1", "VirtualMachineInstance", ns, "vm-stray")
	vmi.SetLabels(map[string]string{"vitistack.io/source-machine": "stray"})
	vmi.Object["spec"] = map[string]any{"domain": map[string]any{"devices": map[string]any{}}}
	nad := testenv.Object("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", ns, "vlan9")
	nad.SetLabels(map[string]string{"managed-by": "vitistack-kubevirt-operator", "vitistack.io/vlan-id": "9"})
	nad.Object["spec"] = map[string]any{"config": "{}"}
	hand := testenv.Object("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", ns, "handmade")
	hand.Object["spec"] = map[string]any{"config": "{}"}
	c := s.client(t, a)
	for _, o := range []struct {
		r cluster.Resource
		u *unstructured.Unstructured
	}{{cluster.VirtualMachineInstances, vmi}, {cluster.NetworkAttachmentDefinitions, nad}, {cluster.NetworkAttachmentDefinitions, hand}} {
		if err := testenv.Create(context.Background(), c, o.r, o.u); err != nil {
			t.Fatal(err)
		}
	}

	// Everything is younger than the default --min-age: nothing is reported.
	r := mustSucceed(t, s.plugin(t, "orphans", "-n", ns))
	mustContain(t, "stderr", r.stderr, "No orphans found.")

	m := s.mark(t)
	r = mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0"), 1)
	t.Logf("orphans:\n%s", r.stdout)
	want := []string{
		"nad-unused kv-a vlan9",
		"pvc-without-machine kv-a vm-gone-os-pvc",
		"secret-without-machine kv-a vm-gone-cloudinit",
		"vm-without-machine kv-a vm-gone",
		"vmi-without-vm kv-a vm-stray",
		"machine-without-vm supervisor novm",
	}
	if got := orphanRows(r.stdout); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("orphans:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r)
	}
	mustContain(t, "header", r.stdout, "KIND ", "CLUSTER ", "NAMESPACE ", "NAME ", "AGE ", "FIX")
	mustContain(t, "fixes", r.stdout, "kubectl vitimachine delete -n "+ns+" novm --machine",
		"kubectl --kubeconfig <(kubectl get secret -n vitistack kv-a-kubeconfig -o jsonpath='{.data.kubeconfig}' | base64 -d) delete -n "+ns+" virtualmachine.kubevirt.io/vm-gone")
	// Never writes; one list per kind on each cluster, in the namespace.
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("orphans made %d writes on %s", n, p.Name)
		}
	}
	remoteWant := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1, "list secrets": 1,
		"list network-attachment-definitions": 1}
	for _, kv := range []string{remoteA, remoteB} {
		if got := budget(s.requests(t, m, s.env.Remote(kv))); show(got) != show(remoteWant) {
			t.Errorf("%s requests: %s\nwant %s", kv, show(got), show(remoteWant))
		}
	}
	supWant := map[string]int{"list machines": 1, "list kubevirtconfigs": 1, "get secrets": 2}
	if got := budget(s.requests(t, m, s.env.Supervisor)); show(got) != show(supWant) {
		t.Errorf("supervisor requests: %s\nwant %s", show(got), show(supWant))
	}

	t.Run("wide and json", func(t *testing.T) {
		r := mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0", "-o", "wide"), 1)
		t.Logf("orphans -o wide:\n%s", r.stdout)
		mustContain(t, "wide", r.stdout, "DETAIL", "Machine "+ns+"/gone does not exist", "no VirtualMachine on kv-b, the cluster its annotation chose")
		r = mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0", "-o", "json"), 1)
		t.Logf("orphans -o json:\n%s", r.stdout)
		var doc struct {
			Items      []map[string]any `json:"items"`
			Unreadable []map[string]any `json:"unreadable"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if len(doc.Items) != len(want) || doc.Unreadable == nil || len(doc.Unreadable) != 0 {
			t.Fatalf("json: %s", r.stdout)
		}
		for _, key := range []string{"kind", "cluster", "namespace", "name", "age", "fix"} {
			if _, ok := doc.Items[0][key]; !ok {
				t.Errorf("item lacks %q: %v", key, doc.Items[0])
			}
		}
	})

	t.Run("the fix of a remote orphan runs as printed", func(t *testing.T) {
		var fix string
		r := mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0", "-o", "json"), 1)
		var doc struct {
			Items []struct{ Kind, Name, Fix string } `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		for _, it := range doc.Items {
			if it.Kind == "vmi-without-vm" {
				fix = it.Fix
			}
		}
		s.runFix(t, fix)
		r = mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0"), 1)
		if strings.Contains(r.stdout, "vm-stray") {
			t.Errorf("the VMI is still an orphan after its fix:\n%s", r.stdout)
		}
	})
}

func TestOrphansOfADeadClusterExit2AndTheOthersAreStillReported(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Remote(remoteA), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	vm := testenv.Object("kubevirt.io/v1", "VirtualMachine", ns, "vm-left")
	vm.SetLabels(map[string]string{"vitistack.io/source-machine": "left"})
	vm.Object["spec"] = map[string]any{"template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}}
	if err := testenv.Create(context.Background(), s.client(t, s.env.Remote(remoteA)), cluster.VirtualMachines, vm); err != nil {
		t.Fatal(err)
	}
	s.registerTemporarily(t, "kv-dead", withServer(t, s.env.Remote(remoteA).Kubeconfig, closedPort(t)))
	start := time.Now()
	r := s.kubectl(t, call{args: []string{"vitimachine", "orphans", "-n", ns, "--min-age=0", "--cluster-timeout=5s"}, supervisor: s.nsSup})
	mustExit(t, r, 2)
	t.Logf("orphans with a dead cluster:\n%s", r)
	if got := orphanRows(r.stdout); strings.Join(got, ",") != "vm-without-machine kv-a vm-left" {
		t.Errorf("the readable clusters' orphans: %q\n%s", got, r)
	}
	mustContain(t, "stderr", r.stderr, "error: cluster kv-dead could not be read, its orphans are not reported", "coverage is partial")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %s with --cluster-timeout=5s", took)
	}
	r = s.kubectl(t, call{args: []string{"vitimachine", "orphans", "-n", ns, "--min-age=0", "--cluster-timeout=5s", "-o", "json"}, supervisor: s.nsSup})
	mustExit(t, r, 2)
	mustContain(t, "json", r.stdout, `"unreadable": [`, `"cluster": "kv-dead"`, `"name": "vm-left"`)
}
