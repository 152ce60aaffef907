package describe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/describe"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

func add(t *testing.T, c *clustertest.Cluster, docs ...string) {
	t.Helper()
	for _, d := range docs {
		o := clustertest.Object(d)
		var gvr schema.GroupVersionResource
		for _, r := range clustertest.Resources {
			if r.Kind == o.GetKind() {
				gvr = r.GVR
			}
		}
		// The fake's own guess of a resource gets network-attachment-definitions wrong.
		if err := c.Fake.Tracker().Create(gvr, o, o.GetNamespace()); err != nil {
			t.Fatal(err)
		}
	}
}

func machine(ns, name, config, class string) *vitistackv1alpha1.Machine {
	m := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	m.Spec.MachineClass = class
	if config != "" {
		m.Annotations = map[string]string{vitistack.AnnotationKubevirtConfig: config}
	}
	return m
}

const vmWeb = `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-web
  namespace: a
  labels: {managed-by: vitistack-kubevirt-operator, vitistack.io/source-machine: web}
spec:
  runStrategy: Always
  template:
    spec:
      networks: [{name: vlan42, multus: {networkName: vlan42}}]
      volumes:
      - {name: os, persistentVolumeClaim: {claimName: vm-web-os-pvc}}
      - {name: gone, persistentVolumeClaim: {claimName: vm-web-gone-pvc}}
      - {name: iso, dataVolume: {name: vm-web-iso}}
      - {name: cloudinitdisk, cloudInitNoCloud: {secretRef: {name: vm-web-cloudinit}}}
status:
  printableStatus: Running
  ready: true
  conditions:
  - {type: Ready, status: "True"}
  - {type: Paused, status: "True", reason: PausedByUser}
`

func event(ns, name, kind, object, reason, last string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Event
metadata: {name: %s, namespace: %s}
involvedObject: {kind: %s, name: %s, namespace: %s}
type: Warning
reason: %s
message: "%s happened"
count: 2
lastTimestamp: "%s"
`, name, ns, kind, object, ns, reason, reason, last)
}

func TestDescribeJoinsEveryObjectWithOneListPerKindAndNamespace(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"},
		"apiVersion: vitistack.io/v1alpha1\nkind: MachineClass\nmetadata: {name: small}\nspec: {}\n",
		`apiVersion: vitistack.io/v1alpha1
kind: NetworkConfiguration
metadata: {name: web, namespace: a}
spec:
  name: web
  networkInterfaces: [{name: vlan42, macAddress: "02:12:00:00:00:01"}]
status:
  networkInterfaces: [{macAddress: "02:12:00:00:00:01", ipv4Addresses: [10.0.42.7]}]
`, event("a", "m1", "Machine", "web", "ClassMissing", "2026-01-01T00:00:00Z"),
		event("a", "m2", "Machine", "other", "NotMine", "2026-01-01T00:00:00Z"))
	a := w.Remotes["kv-a"]
	add(t, a, vmWeb,
		"apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: vm-web, namespace: a}\nstatus:\n  phase: Running\n  nodeName: n1\n  interfaces: [{ipAddress: 10.0.42.7}]\n  conditions: [{type: AgentConnected, status: \"False\"}]\n  migrationState: {sourceNode: n0, targetNode: n1, completed: true}\n",
		"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: vm-web-os-pvc, namespace: a, labels: {vitistack.io/source-machine: web}}\nspec: {storageClassName: standard, resources: {requests: {storage: 10Gi}}}\nstatus: {phase: Pending}\n",
		"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: other-pvc, namespace: a, labels: {vitistack.io/source-machine: other}}\n",
		"apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata: {name: vm-web-iso, namespace: a}\nspec: {storage: {resources: {requests: {storage: 2Gi}}}}\nstatus: {phase: ImportInProgress, progress: 45.00%}\n",
		"apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: vlan42, namespace: a, labels: {vitistack.io/vlan-id: \"42\"}}\n",
		clustertest.SecretYAML("a", "vm-web-cloudinit", "userdata", "#cloud-config\npassword: hunter2"),
		event("a", "e1", "VirtualMachine", "vm-web", "Old", "2026-01-01T00:00:00Z"),
		event("a", "e2", "VirtualMachine", "vm-web", "Newer", "2026-01-02T00:00:00Z"),
		event("a", "e3", "VirtualMachine", "vm-web", "Newest", "2026-01-03T00:00:00Z"),
		event("a", "e4", "PersistentVolumeClaim", "vm-web-os-pvc", "Unbound", "2026-01-01T00:00:00Z"),
		event("a", "e5", "VirtualMachine", "vm-other", "NotMine", "2026-01-01T00:00:00Z"),
	)
	store := status.NewStore()
	store.KeepWhole(nil)
	r := &describe.Reader{Supervisor: w.Supervisor.Client, Store: store,
		Resolver: w.Resolver(target.Options{ListVMs: store.ListVMs}), Options: describe.Options{Events: true, MaxEvents: 2}}
	w.Reset()
	rep := r.Read(context.Background(), []*vitistackv1alpha1.Machine{machine("a", "web", "kv-a", "small"), machine("a", "bare", "kv-a", "huge")})
	if len(rep.Items) != 2 {
		t.Fatalf("items: %+v", rep.Items)
	}
	it := rep.Items[0]
	if it.Error != "" || it.Cluster == nil || it.Cluster.ChosenBy != target.ByAnnotation.String() || it.Cluster.Version != clustertest.Version {
		t.Fatalf("item: %+v cluster %+v", it, it.Cluster)
	}
	if !it.Machine.ClassFound || rep.Items[1].Machine.ClassFound {
		t.Errorf("class found: %v and %v, want true and false", it.Machine.ClassFound, rep.Items[1].Machine.ClassFound)
	}
	if it.VM == nil || it.VM.PrintableStatus != "Running" || it.VM.RunStrategy != "Always" || it.VM.CreatedBy != describe.CreatedByOperator || it.VM.ManagedBy != "managed-by=vitistack-kubevirt-operator" {
		t.Errorf("vm: %+v", it.VM)
	}
	if got := fmt.Sprint(it.VM.Conditions); !strings.Contains(got, "{Paused True PausedByUser  false}") || !strings.Contains(got, "{Ready True   true}") {
		t.Errorf("conditions: %s", got)
	}
	if it.VMI == nil || it.VMI.Node != "n1" || it.VMI.GuestAgent != "False" || it.VMI.LastMigration == nil || it.VMI.LastMigration.Result != "succeeded" || fmt.Sprint(it.VMI.IPs) != "[10.0.42.7]" {
		t.Errorf("vmi: %+v", it.VMI)
	}
	vols, _ := json.Marshal(it.Volumes)
	for _, want := range []string{`"name":"vm-web-os-pvc","phase":"Pending","size":"10Gi","storageClass":"standard","found":true`,
		`"kind":"DataVolume","name":"vm-web-iso","phase":"ImportInProgress","size":"2Gi","progress":"45.00%","found":true`,
		`"name":"vm-web-gone-pvc","found":false`} {
		if !strings.Contains(string(vols), want) {
			t.Errorf("volumes lack %s: %s", want, vols)
		}
	}
	if strings.Contains(string(vols), "other-pvc") {
		t.Errorf("another Machine's PVC shown: %s", vols)
	}
	if len(it.Networks) != 1 || !it.Networks[0].Found || it.Networks[0].VLAN != "42" {
		t.Errorf("networks: %+v", it.Networks)
	}
	if it.CloudInit == nil || !it.CloudInit.Found || fmt.Sprint(it.CloudInit.Keys) != "[userdata]" {
		t.Errorf("cloud-init: %+v", it.CloudInit)
	}
	if nc := it.NetworkConfiguration; nc == nil || len(nc.Interfaces) != 1 || nc.Interfaces[0].MAC != "02:12:00:00:00:01" || fmt.Sprint(nc.Interfaces[0].IPs) != "[10.0.42.7]" {
		t.Errorf("network configuration: %+v", it.NetworkConfiguration)
	}
	var reasons []string
	for _, e := range it.Events {
		reasons = append(reasons, e.Object+":"+e.Reason)
	}
	// The last 2 of the VM's 3 events, oldest first, with the Machine's and the PVC's; nobody else's.
	if got, want := strings.Join(reasons, " "), "Machine/web:ClassMissing PersistentVolumeClaim/vm-web-os-pvc:Unbound VirtualMachine/vm-web:Newer VirtualMachine/vm-web:Newest"; got != want {
		t.Errorf("events: %s\nwant   %s", got, want)
	}
	bare := rep.Items[1]
	if bare.VM != nil || bare.Error != "" || len(bare.Volumes) != 0 {
		t.Errorf("unprovisioned: %+v", bare)
	}
	// Batched: one list per kind in the namespace, one version; no get, no write.
	want := "map[list datavolumes:1 list events:1 list network-attachment-definitions:1 list persistentvolumeclaims:1 list secrets:1 list virtualmachineinstances:1 list virtualmachines:1]"
	got := a.Requests()
	if fmt.Sprint(got) != want {
		t.Errorf("remote requests: %v\nwant %s", got, want)
	}
	if a.Writes() != 0 || w.Supervisor.Writes() != 0 {
		t.Errorf("writes: %d remote, %d supervisor", a.Writes(), w.Supervisor.Writes())
	}
	sup := w.Supervisor.Requests()
	for _, k := range []string{"list machineclasses", "list networkconfigurations", "list events", "list kubevirtconfigs"} {
		if sup[k] != 1 {
			t.Errorf("supervisor %s = %d, want 1 (%v)", k, sup[k], sup)
		}
	}
	// Nothing of the Secret's data is kept.
	secrets, err := store.Objects(context.Background(), a.Client, cluster.Secrets, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(secrets)
	if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "Y2xvdWQ") || strings.Contains(string(b), "cloud-config") {
		t.Errorf("secret data kept: %s", b)
	}
}

func TestDescribeWithoutCDIOrMultusAndWithADeadCluster(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	w.Remotes["kv-a"].Unserve(cluster.DataVolumes, cluster.NetworkAttachmentDefinitions)
	add(t, w.Remotes["kv-a"], vmWeb)
	store := status.NewStore()
	store.KeepWhole(nil)
	r := &describe.Reader{Supervisor: w.Supervisor.Client, Store: store, Resolver: w.Resolver(target.Options{ListVMs: store.ListVMs})}
	rep := r.Read(context.Background(), []*vitistackv1alpha1.Machine{machine("a", "web", "kv-a", ""), machine("a", "far", "kv-gone", "")})
	if it := rep.Items[0]; it.Error != "" || it.VM == nil {
		t.Errorf("without CDI and Multus: %+v", it)
	}
	if it := rep.Items[1]; !strings.Contains(it.Error, `KubevirtConfig "kv-gone" not found`) || rep.Failed() != 1 {
		t.Errorf("unresolvable: %+v", it)
	}
}

func TestDescribeAcrossManyNamespacesListsEachKindOnceAcrossTheCluster(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	var machines []*vitistackv1alpha1.Machine
	for i := range status.NamespaceLists + 1 {
		ns := fmt.Sprintf("n%d", i)
		add(t, w.Remotes["kv-a"], strings.ReplaceAll(vmWeb, "namespace: a", "namespace: "+ns))
		machines = append(machines, machine(ns, "web", "kv-a", ""))
	}
	store := status.NewStore()
	store.KeepWhole(nil)
	r := &describe.Reader{Supervisor: w.Supervisor.Client, Store: store, Resolver: w.Resolver(target.Options{ListVMs: store.ListVMs}),
		Options: describe.Options{Events: true}}
	w.Reset()
	rep := r.Read(context.Background(), machines)
	for _, it := range rep.Items {
		if it.VM == nil || it.VM.Name != "vm-web" || it.Error != "" {
			t.Errorf("%s: %+v", it.Machine.Namespace, it)
		}
	}
	want := "map[list datavolumes:1 list events:1 list network-attachment-definitions:1 list persistentvolumeclaims:1 list secrets:1 list virtualmachineinstances:1 list virtualmachines:1]"
	if got := fmt.Sprint(w.Remotes["kv-a"].Requests()); got != want {
		t.Errorf("remote requests for %d namespaces: %s\nwant %s", len(machines), got, want)
	}
	for _, a := range w.Remotes["kv-a"].Fake.Actions() {
		if a.GetNamespace() != "" {
			t.Errorf("a request in namespace %q: %v", a.GetNamespace(), a)
		}
	}
}
