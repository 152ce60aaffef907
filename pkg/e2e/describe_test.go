package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// event creates an Event about an object on a plane, as a controller would.
func (s *suite) event(t *testing.T, p *testenv.Plane, ns, name, kind, object, typ, reason, message string, ago time.Duration) {
	t.Helper()
	at := time.Now().Add(-ago).UTC().Format(time.RFC3339)
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Event",
		"metadata":       map[string]any{"name": name, "namespace": ns},
		"involvedObject": map[string]any{"kind": kind, "name": object, "namespace": ns},
		"type":           typ, "reason": reason, "message": message, "lastTimestamp": at, "firstTimestamp": at, "count": int64(1),
		"source": map[string]any{"component": "e2e"}}}
	if err := testenv.Create(context.Background(), s.client(t, p), cluster.Events, u); err != nil {
		t.Fatal(err)
	}
}

// treeLine is the line of a describe tree whose object (after its branch) is object, or "".
func treeLine(out, object string) string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(strings.TrimLeft(line, "│├└─ "))
		if len(f) > 0 && f[0] == object {
			return strings.Join(f, " ")
		}
	}
	return ""
}

// normalized is a tree (or table) without its branches and with single spaces between words.
func normalized(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		b.WriteString(strings.Join(strings.Fields(strings.TrimLeft(line, "│├└─ ")), " ") + "\n")
	}
	return b.String()
}

func wantLine(t *testing.T, r result, object, want string) {
	t.Helper()
	if got := treeLine(r.stdout, object); !strings.HasPrefix(got, want) {
		t.Errorf("line of %s: %q, want it to start with %q\n%s", object, got, want, r)
	}
}

// setConditions writes an object's status.conditions (with the status subresource when it has one).
func (s *suite) setConditions(t *testing.T, p *testenv.Plane, r cluster.Resource, ns, name string, conds ...map[string]any) {
	t.Helper()
	u := s.get(t, p, r, ns, name)
	list := make([]any, len(conds))
	for i, c := range conds {
		list[i] = c
	}
	_ = unstructured.SetNestedSlice(u.Object, list, "status", "conditions")
	if r == cluster.VirtualMachineInstances {
		if _, err := s.client(t, p).Update(context.Background(), r, u.Object, cluster.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		return
	}
	s.updateStatus(t, p, r, u)
}

func TestDescribeProvisionedFailingAndUnprovisionedMachinesWithTheirEvents(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	disks := "  machineClass: small\n  disks:\n  - {name: os, sizeGB: 10, boot: true}\n  - {name: data, sizeGB: 20}\n"
	s.create(t, s.env.Supervisor, machineYAML(ns, "up", annotation(remoteA), disks+"  cloudInit:\n    userData: \"#cloud-config\\n\"\n")+"---\n"+
		machineYAML(ns, "pend", annotation(remoteA), disks)+"---\n"+
		machineYAML(ns, "noclass", annotation(remoteA), "  machineClass: missing\n")+"---\n"+
		machineYAML(ns, "new", annotation(remoteB), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "up", "pend"))
	// A Machine whose MachineClass does not exist is refused at create: nothing is made for it.
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "noclass"), 2)
	mustContain(t, "create of a Machine without its class", r.stdout+r.stderr, "missing")

	// up: running, its OS disk bound, the guest agent connected, migrated once.
	s.playVirtController(t, a, ns, "vm-up", "node-7", "10.244.1.7")
	s.setConditions(t, a, cluster.VirtualMachines, ns, "vm-up", map[string]any{"type": "Ready", "status": "True"},
		map[string]any{"type": "LiveMigratable", "status": "False", "reason": "DisksNotLiveMigratable"})
	vmi := s.get(t, a, cluster.VirtualMachineInstances, ns, "vm-up")
	_ = unstructured.SetNestedSlice(vmi.Object, []any{map[string]any{"type": "AgentConnected", "status": "True"}}, "status", "conditions")
	_ = unstructured.SetNestedMap(vmi.Object, map[string]any{"sourceNode": "node-3", "targetNode": "node-7", "completed": true}, "status", "migrationState")
	if _, err := s.client(t, a).Update(context.Background(), cluster.VirtualMachineInstances, vmi.Object, cluster.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	s.setPhase(t, a, cluster.PVCs, ns, "vm-up-os-pvc", "Bound")
	s.setPhase(t, s.env.Supervisor, cluster.Machines, ns, "up", "Running")
	// pend: its data disk never binds; the VM waits for it.
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-pend")
	_ = unstructured.SetNestedField(vm.Object, "WaitingForVolumeBinding", "status", "printableStatus")
	_ = unstructured.SetNestedSlice(vm.Object, []any{map[string]any{"type": "Ready", "status": "False", "reason": "VMINotExists", "message": "VMI does not exist"}}, "status", "conditions")
	s.updateStatus(t, a, cluster.VirtualMachines, vm)
	// up's NetworkConfiguration on the supervisor: its MAC, and the address allocated to it.
	s.create(t, s.env.Supervisor, "apiVersion: vitistack.io/v1alpha1\nkind: NetworkConfiguration\nmetadata:\n  name: up\n  namespace: "+ns+
		"\nspec:\n  name: up\n  networkInterfaces:\n  - {name: default, macAddress: \"02:12:00:00:00:07\"}\n")
	nc := s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "up")
	_ = unstructured.SetNestedSlice(nc.Object, []any{map[string]any{"macAddress": "02:12:00:00:00:07", "ipv4Addresses": []any{"10.0.42.7"}}}, "status", "networkInterfaces")
	s.updateStatus(t, s.env.Supervisor, cluster.NetworkConfigurations, nc)
	// Events of each object: on the remote for the VMs, VMI and PVCs, on the supervisor for the Machines.
	s.event(t, a, ns, "up-1", "VirtualMachine", "vm-up", "Normal", "SuccessfulCreate", "Started the virtual machine", 5*time.Minute)
	s.event(t, a, ns, "up-2", "VirtualMachineInstance", "vm-up", "Normal", "Migrated", "The VirtualMachineInstance migrated to node node-7.", 3*time.Minute)
	s.event(t, a, ns, "pend-1", "PersistentVolumeClaim", "vm-pend-data-pvc", "Warning", "ProvisioningFailed", "no volume plugin matched", 5*time.Minute)
	s.event(t, a, ns, "pend-2", "VirtualMachine", "vm-pend", "Normal", "SuccessfulCreate", "Created", 7*time.Minute)
	s.event(t, a, ns, "other", "VirtualMachine", "vm-someone-else", "Warning", "NotMine", "not this Machine's", 7*time.Minute)
	s.event(t, s.env.Supervisor, ns, "noclass-1", "Machine", "noclass", "Warning", "MachineClassNotFound", `machineclass "missing" not found`, 5*time.Minute)
	s.event(t, s.env.Supervisor, ns, "new-1", "Machine", "new", "Normal", "Waiting", "waiting for the operator", 5*time.Minute)

	m := s.mark(t)
	r = mustSucceed(t, s.plugin(t, "describe", "-n", ns, "up", "pend", "noclass", "new"))
	t.Logf("describe:\n%s", r.stdout)
	for object, want := range map[string]string{
		"Machine/up":                             "Machine/up Running namespace " + ns + " · class small · vitistack.io/kubevirt-config=kv-a",
		"Cluster/kv-a":                           "Cluster/kv-a v1.37",
		"VirtualMachine/vm-up":                   "VirtualMachine/vm-up Running runStrategy Always · created by kubectl-vitimachine",
		"Condition/LiveMigratable":               "Condition/LiveMigratable False DisksNotLiveMigratable",
		"VirtualMachineInstance/vm-up":           "VirtualMachineInstance/vm-up Running node node-7 · IPs fd00::7, 10.244.1.7 · guest agent connected",
		"Migration":                              "Migration succeeded node-3 → node-7",
		"PersistentVolumeClaim/vm-up-os-pvc":     "PersistentVolumeClaim/vm-up-os-pvc Bound size 10Gi",
		"Secret/vm-up-cloudinit":                 "Secret/vm-up-cloudinit Found cloud-init, keys userdata",
		"VirtualMachine/vm-pend":                 "VirtualMachine/vm-pend WaitingForVolumeBinding",
		"Condition/Ready":                        "Condition/Ready True",
		"PersistentVolumeClaim/vm-pend-data-pvc": "PersistentVolumeClaim/vm-pend-data-pvc Pending size 20Gi",
		"Machine/noclass":                        "Machine/noclass <none> namespace " + ns + " · class missing (not found on the supervisor)",
		"Cluster/kv-b":                           "Cluster/kv-b v1.37",
	} {
		wantLine(t, r, object, want)
	}
	mustContain(t, "describe", normalized(r.stdout),
		"VirtualMachine NotProvisioned no VM on this cluster (kubectl vitimachine create -n "+ns+" new)",
		"VirtualMachine NotProvisioned no VM on this cluster (kubectl vitimachine create -n "+ns+" noclass)",
		"Cluster/kv-a v1.37.2 chosen by annotation",
		"Condition/Ready False VMINotExists: VMI does not exist",
		"VirtualMachine/vm-up Normal SuccessfulCreate ",
		"VirtualMachineInstance/vm-up Normal Migrated ",
		"PersistentVolumeClaim/vm-pend-data-pvc Warning ProvisioningFailed ",
		"Machine/noclass Warning MachineClassNotFound ",
		"Machine/new Normal Waiting ")
	if strings.Contains(r.stdout, "NotMine") {
		t.Errorf("another object's event shown:\n%s", r.stdout)
	}
	// Read-only and batched: on each cluster one list per kind in the namespace, one version.
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("describe made %d writes on %s", n, p.Name)
		}
	}
	want := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1, "list secrets": 1,
		"list datavolumes": 1, "list network-attachment-definitions": 1, "list events": 1, "get <non-resource /version>": 1}
	for _, kv := range []string{remoteA, remoteB} {
		if got := budget(s.requests(t, m, s.env.Remote(kv))); show(got) != show(want) {
			t.Errorf("%s requests: %s\nwant %s", kv, show(got), show(want))
		}
	}
	supWant := map[string]int{"get machines": 4, "list kubevirtconfigs": 1, "get secrets": 2, "list machineclasses": 1, "list networkconfigurations": 1, "list events": 1}
	if got := budget(s.requests(t, m, s.env.Supervisor)); show(got) != show(supWant) {
		t.Errorf("supervisor requests: %s\nwant %s", show(got), show(supWant))
	}

	t.Run("json", func(t *testing.T) {
		r := mustSucceed(t, s.plugin(t, "describe", "-n", ns, "up", "new", "-o", "json"))
		t.Logf("describe -o json:\n%s", r.stdout)
		var doc struct {
			Items []struct {
				Machine struct{ Namespace, Name, Phase, Class string } `json:"machine"`
				Cluster *struct {
					Name     string `json:"name"`
					ChosenBy string `json:"chosenBy"`
				} `json:"cluster"`
				VM *struct {
					Name            string `json:"name"`
					PrintableStatus string `json:"printableStatus"`
					RunStrategy     string `json:"runStrategy"`
					CreatedBy       string `json:"createdBy"`
				} `json:"vm"`
				VMI *struct {
					Node       string   `json:"node"`
					IPs        []string `json:"ips"`
					GuestAgent string   `json:"guestAgent"`
				} `json:"vmi"`
				Volumes []struct{ Kind, Name, Phase, Size string }       `json:"volumes"`
				Events  []struct{ Object, Type, Reason, Message string } `json:"events"`
				Error   string                                           `json:"error"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if len(doc.Items) != 2 {
			t.Fatalf("items: %s", r.stdout)
		}
		up, nw := doc.Items[0], doc.Items[1]
		if up.Machine.Name != "up" || up.Machine.Phase != "Running" || up.Cluster == nil || up.Cluster.Name != remoteA || up.Cluster.ChosenBy != "annotation" ||
			up.VM == nil || up.VM.PrintableStatus != "Running" || up.VM.RunStrategy != "Always" || up.VM.CreatedBy != "kubectl-vitimachine" ||
			up.VMI == nil || up.VMI.Node != "node-7" || up.VMI.GuestAgent != "True" || len(up.Volumes) != 2 || len(up.Events) != 2 || up.Error != "" {
			t.Errorf("up: %+v\n%s", up, r.stdout)
		}
		if up.Events[0].Object != "VirtualMachine/vm-up" || up.Events[0].Reason != "SuccessfulCreate" || up.Events[1].Object != "VirtualMachineInstance/vm-up" {
			t.Errorf("up's events, oldest first: %+v", up.Events)
		}
		if nw.VM != nil || nw.VMI != nil || nw.Cluster == nil || nw.Cluster.Name != remoteB || len(nw.Volumes) != 0 || len(nw.Events) != 1 {
			t.Errorf("new: %+v\n%s", nw, r.stdout)
		}
		for _, key := range []string{`"machine"`, `"cluster"`, `"volumes"`, `"events"`, `"chosenBy"`} {
			mustContain(t, "json", r.stdout, key)
		}
	})

	t.Run("--show-events=false reads no events, --max-events keeps the last", func(t *testing.T) {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "describe", "-n", ns, "up", "--show-events=false"))
		if strings.Contains(r.stdout, "Events") {
			t.Errorf("events shown:\n%s", r.stdout)
		}
		for _, p := range []*testenv.Plane{s.env.Supervisor, a} {
			if n := budget(s.requests(t, m, p))["list events"]; n != 0 {
				t.Errorf("%s: %d event lists without --show-events", p.Name, n)
			}
		}
		s.event(t, a, ns, "up-3", "VirtualMachine", "vm-up", "Warning", "Later", "a later event", time.Minute)
		r = mustSucceed(t, s.plugin(t, "describe", "-n", ns, "up", "--max-events=1"))
		if strings.Contains(r.stdout, "SuccessfulCreate") || !strings.Contains(r.stdout, "Later") || !strings.Contains(r.stdout, "Migrated") {
			t.Errorf("--max-events=1 keeps each object's last event:\n%s", r.stdout)
		}
	})

	t.Run("colour on a terminal only", func(t *testing.T) {
		r := mustSucceed(t, s.plugin(t, "describe", "-n", ns, "pend", "--color=always"))
		mustContain(t, "coloured", r.stdout, "\x1b[31mFalse")
		r = mustSucceed(t, s.plugin(t, "describe", "-n", ns, "pend"))
		if strings.Contains(r.stdout, "\x1b[") {
			t.Errorf("colour without a terminal:\n%q", r.stdout)
		}
	})

	t.Run("usage and missing names", func(t *testing.T) {
		r := mustExit(t, s.plugin(t, "describe"), 2)
		mustContain(t, "stderr", r.stderr, "name the Machines to describe")
		r = mustExit(t, s.plugin(t, "describe", "-n", ns, "up", "ghost"), 2)
		mustContain(t, "stderr", r.stderr, `machine "ghost" not found`)
		if treeLine(r.stdout, "Machine/up") == "" {
			t.Errorf("the named Machine that exists is still described:\n%s", r)
		}
	})

	t.Run("completion of names", func(t *testing.T) {
		r := mustSucceed(t, s.plugin(t, "__complete", "describe", "-n", ns, "u"))
		mustContain(t, "completion", r.stdout, "up\n")
	})
}

func TestDescribeReadsTheSameRequestsFor200MachinesAsFor2(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	c := s.client(t, a)
	var docs []string
	for i := range 200 {
		docs = append(docs, strings.Replace(machineYAML(ns, fmt.Sprintf("m%03d", i), annotation(remoteA), "  machineClass: small\n"),
			"metadata:\n", "metadata:\n  labels:\n    batch: big\n", 1))
	}
	if err := s.createAll(context.Background(), s.env.Supervisor, strings.Join(docs, "---\n")); err != nil {
		t.Fatal(err)
	}
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	for i := range 200 {
		vm := testenv.Object("kubevirt.io/v1", "VirtualMachine", ns, fmt.Sprintf("vm-m%03d", i))
		vm.SetLabels(map[string]string{"vitistack.io/source-machine": fmt.Sprintf("m%03d", i)})
		vm.Object["spec"] = map[string]any{"runStrategy": "Always", "template": map[string]any{"spec": map[string]any{"domain": map[string]any{"devices": map[string]any{}}}}}
		if err := testenv.Create(context.Background(), c, cluster.VirtualMachines, vm); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			s.event(t, a, ns, fmt.Sprintf("e%03d", i), "VirtualMachine", fmt.Sprintf("vm-m%03d", i), "Normal", "Created", "made", 5*time.Minute)
		}
	}
	count := func(args ...string) (map[string]int, map[string]int, result) {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, append([]string{"describe", "-n", ns}, args...)...))
		return budget(s.requests(t, m, s.env.Supervisor)), budget(s.requests(t, m, a)), r
	}
	sup2, remote2, _ := count("m000", "m001")
	supAll, remoteAll, r := count("-l", "batch=big")
	if n := strings.Count(r.stdout, "─ VirtualMachine/vm-m"); n != 200 {
		t.Errorf("%d VMs described, want 200", n)
	}
	if n := strings.Count(r.stdout, "Normal   Created"); n != 100 {
		t.Errorf("%d events shown, want 100", n)
	}
	// The remote reads do not grow with the Machines; on the supervisor, 2 gets become one list.
	if show(remote2) != show(remoteAll) {
		t.Errorf("remote requests for 200 Machines %s\nfor 2: %s", show(remoteAll), show(remote2))
	}
	delete(sup2, "get machines")
	delete(supAll, "list machines")
	if show(sup2) != show(supAll) {
		t.Errorf("supervisor requests for 200 Machines %s\nfor 2 (without the gets): %s", show(supAll), show(sup2))
	}
	t.Logf("200 Machines: remote %s; supervisor %s", show(remoteAll), show(supAll))
}

// TestDescribeAndOrphansNeverShowSecretData: the cloud-init Secret's keys are shown, its data at
// no -v, neither by describe nor by orphans (which lists that Secret once its Machine is gone).
func TestDescribeAndOrphansNeverShowSecretData(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	const canary = "CANARY-describe-userdata"
	s.create(t, s.env.Supervisor, machineYAML(ns, "leaky", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: "+canary+"\\n\"\n"))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "leaky"))
	leaked := func(out string) bool {
		return strings.Contains(out, canary) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("#cloud-config\npassword: "+canary+"\n"))) ||
			strings.Contains(out, "client-key-data")
	}
	for v := 0; v <= 10; v++ {
		for _, args := range [][]string{{"describe", "-n", ns, "leaky"}, {"describe", "-n", ns, "leaky", "-o", "yaml"}} {
			r := mustSucceed(t, s.plugin(t, append(args, fmt.Sprintf("-v=%d", v))...))
			mustContain(t, "describe", r.stdout, "userdata")
			if leaked(r.stdout + r.stderr) {
				t.Errorf("-v=%d %v: cloud-init data leaked", v, args)
			}
		}
	}
	if err := deleteObject(context.Background(), s.client(t, s.env.Supervisor), cluster.Machines, ns, "leaky"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{0, 6, 8, 10} {
		r := mustExit(t, s.plugin(t, "orphans", "-n", ns, "--min-age=0", fmt.Sprintf("-v=%d", v)), 1)
		mustContain(t, "orphans", r.stdout, "secret-without-machine")
		if leaked(r.stdout + r.stderr) {
			t.Errorf("-v=%d orphans: cloud-init data leaked", v)
		}
	}
}

// TestDescribeOfAMachineOnAHangingClusterSaysSoWithinTheTimeout: the hanging cluster's Machine shows
// why in its tree, the healthy cluster's Machine is described, and the run ends within the timeout.
func TestDescribeOfAMachineOnAHangingClusterSaysSoWithinTheTimeout(t *testing.T) {
	s := needEnv(t)
	ns := fmt.Sprintf("dh%d", nsCounter.Add(1))
	s.registerTemporarily(t, "kv-hang", withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, s.nsSup, machineYAML(ns, "far", annotation("kv-hang"), "")+"---\n"+machineYAML(ns, "near", annotation(remoteA), ""))
	// Machines on this supervisor point at a cluster that goes away with the test: they go too.
	t.Cleanup(func() {
		for _, name := range []string{"far", "near"} {
			_ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, ns, name)
		}
	})
	start := time.Now()
	r := s.kubectl(t, call{args: []string{"vitimachine", "describe", "-n", ns, "far", "near", "--cluster-timeout=3s"}, supervisor: s.nsSup})
	mustExit(t, r, 2)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s with --cluster-timeout=3s", took)
	}
	mustContain(t, "describe", normalized(r.stdout),
		"Error Unreadable cluster kv-hang", "did not answer within --cluster-timeout=3s",
		"Cluster/kv-a v1.37.2 chosen by annotation",
		"VirtualMachine NotProvisioned no VM on this cluster")
	mustContain(t, "stderr", r.stderr, "1 Machine could not be described")
}

// TestDescribeShowsADataVolumeWithItsImportProgress installs a minimal DataVolume CRD on kv-b for
// the test (the test CRDs have no CDI DataVolume) and describes a VM booting from one.
func TestDescribeShowsADataVolumeWithItsImportProgress(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(b.Config)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crd := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "datavolumes.cdi.kubevirt.io"},
		"spec": map[string]any{"group": "cdi.kubevirt.io", "scope": "Namespaced",
			"names": map[string]any{"plural": "datavolumes", "singular": "datavolume", "kind": "DataVolume", "listKind": "DataVolumeList"},
			"versions": []any{map[string]any{"name": "v1beta1", "served": true, "storage": true, "subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = dyn.Resource(crdGVR).Delete(context.Background(), "datavolumes.cdi.kubevirt.io", metav1.DeleteOptions{})
	})
	s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	dv := testenv.Object("cdi.kubevirt.io/v1beta1", "DataVolume", ns, "vm-iso-iso")
	dv.Object["spec"] = map[string]any{"source": map[string]any{"http": map[string]any{"url": "https://example.com/os.iso"}},
		"storage": map[string]any{"storageClassName": "standard", "resources": map[string]any{"requests": map[string]any{"storage": "2Gi"}}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = dyn.Resource(cluster.DataVolumes.GVR).Namespace(ns).Create(ctx, dv, metav1.CreateOptions{})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create the DataVolume once its CRD is served: %v", err)
	}
	live := s.get(t, b, cluster.DataVolumes, ns, "vm-iso-iso")
	_ = unstructured.SetNestedMap(live.Object, map[string]any{"phase": "ImportInProgress", "progress": "45.00%"}, "status")
	s.updateStatus(t, b, cluster.DataVolumes, live)
	vm := testenv.Object("kubevirt.io/v1", "VirtualMachine", ns, "vm-iso")
	vm.SetLabels(map[string]string{"vitistack.io/source-machine": "iso"})
	vm.Object["spec"] = map[string]any{"runStrategy": "Always", "template": map[string]any{"spec": map[string]any{
		"domain":  map[string]any{"devices": map[string]any{}},
		"volumes": []any{map[string]any{"name": "iso", "dataVolume": map[string]any{"name": "vm-iso-iso"}}}}}}
	if err := testenv.Create(ctx, s.client(t, b), cluster.VirtualMachines, vm); err != nil {
		t.Fatal(err)
	}
	s.create(t, s.env.Supervisor, machineYAML(ns, "iso", annotation(remoteB), ""))
	r := mustSucceed(t, s.plugin(t, "describe", "-n", ns, "iso"))
	wantLine(t, r, "DataVolume/vm-iso-iso", "DataVolume/vm-iso-iso ImportInProgress progress 45.00% · size 2Gi · class standard")
	r = mustSucceed(t, s.plugin(t, "describe", "-n", ns, "iso", "-o", "json"))
	mustContain(t, "json", r.stdout, `"kind": "DataVolume"`, `"progress": "45.00%"`)
}
