package status_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

func machine(ns, name, config string) *vitistackv1alpha1.Machine {
	m := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if config != "" {
		m.Annotations = map[string]string{vitistack.AnnotationKubevirtConfig: config}
	}
	return m
}

func vmDoc(ns, name, labels, printable string, ready bool) string {
	s := fmt.Sprintf("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: %s\n  namespace: %s\n  creationTimestamp: \"2026-01-01T00:00:00Z\"\n", name, ns)
	if labels != "" {
		s += "  labels:\n    " + labels + "\n"
	}
	if printable != "" {
		s += fmt.Sprintf("status:\n  printableStatus: %s\n  ready: %v\n", printable, ready)
	}
	return s
}

func vmiDoc(ns, name, node string, ips ...string) string {
	s := fmt.Sprintf("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata:\n  name: %s\n  namespace: %s\nstatus:\n  phase: Running\n  nodeName: %s\n  interfaces:\n", name, ns, node)
	for _, ip := range ips {
		s += fmt.Sprintf("  - ipAddress: %s\n    ipAddresses: [%s]\n", ip, ip)
	}
	return s
}

func pvcDoc(ns, name, owner, phase string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    vitistack.io/source-machine: %s\nstatus:\n  phase: %s\n", name, ns, owner, phase)
}

func add(t *testing.T, c *clustertest.Cluster, docs ...string) {
	t.Helper()
	for _, d := range docs {
		if err := c.Fake.Tracker().Add(clustertest.Object(d)); err != nil {
			t.Fatal(err)
		}
	}
}

func reader(w *clustertest.World, opts status.Options) *status.Reader {
	store := status.NewStore()
	res := w.Resolver(target.Options{IndexVMs: true, ListVMs: store.ListVMs,
		VMNames: func(m string) []string { return []string{"vm-" + m, m} }})
	p := &pipeline.Pipeline{Supervisor: w.Supervisor.Client, Resolver: res, Writer: write.Writer{Strategy: write.Client},
		Options: pipeline.Options{Render: render.Options{Naming: render.NamingSeed, ManagedByKey: vitistack.DefaultManagedByKey,
			ManagedByValue: vitistack.DefaultManagedByValue, VolumeMode: corev1.PersistentVolumeBlock}}}
	return &status.Reader{Resolver: res, Pipeline: p, Store: store, Options: opts}
}

// line is a row as "namespace/machine cluster vm status ready bound/total ip node".
func line(r status.Row) string {
	vm, ready, node := "-", "-", "-"
	if r.VM != nil {
		vm, ready = r.VM.Name, fmt.Sprint(r.VM.Ready)
	}
	if r.VMI != nil {
		node = r.VMI.Node
	}
	b, n := r.Disks()
	return fmt.Sprintf("%s/%s %s %s %s %s %d/%d %s %s", r.Namespace, r.Machine, r.Cluster, vm, r.Status(), ready, b, n, r.IP(), node)
}

func lines(rows []status.Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, line(r))
	}
	return strings.Join(out, "\n")
}

func TestReadJoinsEachMachineWithItsVMVMIAndDisks(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	a := w.Remotes["kv-a"]
	add(t, a,
		vmDoc("team", "vm-web", "vitistack.io/source-machine: web", "Running", true),
		vmiDoc("team", "vm-web", "node-1", "fe80::1", "10.0.0.5"),
		pvcDoc("team", "vm-web-root-pvc", "web", "Bound"),
		pvcDoc("team", "vm-web-data-pvc", "web", "Pending"),
		vmDoc("team", "op", "", "Stopped", false),
		vmDoc("team", "custom", "source-machine: legacy", "Provisioning", false),
		// Named as Machine "taken"'s VM would be, but labelled with another Machine: not its VM.
		vmDoc("team", "vm-taken", "vitistack.io/source-machine: someone-else", "Running", true),
		// Another namespace: never joined to Machines of "team".
		vmDoc("other", "vm-none", "vitistack.io/source-machine: none", "Running", true),
	)
	machines := []*vitistackv1alpha1.Machine{machine("team", "web", "kv-a"), machine("team", "op", "kv-a"), machine("team", "legacy", "kv-a"),
		machine("team", "taken", "kv-a"), machine("team", "none", "kv-a")}
	rep := reader(w, status.Options{}).Read(context.Background(), machines)
	want := `team/web kv-a vm-web Running true 1/2 10.0.0.5 node-1
team/op kv-a op Stopped false 0/0  -
team/legacy kv-a custom Provisioning false 0/0  -
team/taken kv-a - NotProvisioned - 0/0  -
team/none kv-a - NotProvisioned - 0/0  -`
	if got := lines(rep.Rows); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if ips := rep.Rows[0].VMI.IPs; fmt.Sprint(ips) != "[fe80::1 10.0.0.5]" {
		t.Errorf("IPs %v", ips)
	}
	if rep.Failed() != 0 {
		t.Errorf("%d failed", rep.Failed())
	}
	// One list of each resource in the one namespace; nothing per Machine; nothing written.
	if got := fmt.Sprint(a.Requests()); got != "map[list persistentvolumeclaims:1 list virtualmachineinstances:1 list virtualmachines:1]" {
		t.Errorf("kv-a requests: %s", got)
	}
	if got := fmt.Sprint(w.Supervisor.Requests()); got != "map[get secrets:1 list kubevirtconfigs:1]" {
		t.Errorf("supervisor requests: %s", got)
	}
	if n := len(w.Remotes["kv-b"].Fake.Actions()); n != 0 {
		t.Errorf("%d requests to a cluster without Machines", n)
	}
	for _, c := range []*clustertest.Cluster{w.Supervisor, a} {
		if c.Writes() != 0 {
			t.Errorf("%s: %d writes", c.ID, c.Writes())
		}
	}
}

// listNamespaces are the namespaces of a cluster's lists of a resource ("" across the cluster).
func listNamespaces(c *clustertest.Cluster, resource string) []string {
	var out []string
	for _, a := range c.Fake.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == resource {
			out = append(out, a.GetNamespace())
		}
	}
	return out
}

func TestReadListsPerNamespaceOrAcrossTheCluster(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	var machines []*vitistackv1alpha1.Machine
	for i := range status.NamespaceLists + 2 {
		ns := fmt.Sprintf("ns%d", i)
		machines = append(machines, machine(ns, "a1", "kv-a"), machine(ns, "a2", "kv-a"))
		add(t, w.Remotes["kv-a"], vmDoc(ns, "vm-a1", "vitistack.io/source-machine: a1", "Running", true))
	}
	machines = append(machines, machine("ns0", "b1", "kv-b"), machine("ns1", "b2", "kv-b"))
	// A VM in a namespace without Machines: listed across the cluster, never kept nor joined.
	add(t, w.Remotes["kv-a"], vmDoc("elsewhere", "vm-a1", "vitistack.io/source-machine: a1", "Running", true))
	rep := reader(w, status.Options{}).Read(context.Background(), machines)
	for _, res := range []string{"virtualmachines", "virtualmachineinstances", "persistentvolumeclaims"} {
		if got := fmt.Sprint(listNamespaces(w.Remotes["kv-a"], res)); got != "[]" {
			t.Errorf("kv-a %s lists: %s, want one across the cluster", res, got)
		}
		got := listNamespaces(w.Remotes["kv-b"], res)
		if len(got) != 2 || got[0] == got[1] || got[0] == "" || got[1] == "" {
			t.Errorf("kv-b %s lists: %q, want one per namespace", res, got)
		}
	}
	running := 0
	for _, r := range rep.Rows {
		if r.Status() == "Running" {
			running++
		}
	}
	if running != status.NamespaceLists+2 {
		t.Errorf("%d rows Running:\n%s", running, lines(rep.Rows))
	}
}

func TestAFailingClusterFailsOnlyItsRows(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	w.Remotes["kv-b"].Fail("list", "virtualmachineinstances", "", errors.New("connection refused"))
	add(t, w.Remotes["kv-a"], vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Running", true))
	rep := reader(w, status.Options{}).Read(context.Background(), []*vitistackv1alpha1.Machine{
		machine("team", "a", "kv-a"), machine("team", "b", "kv-b"), machine("team", "c", "kv-missing")})
	want := `team/a kv-a vm-a Running true 0/0  -
team/b kv-b - error: cluster kv-b: list virtualmachineinstances in "team": connection refused - 0/0  -
team/c kv-missing - error: KubevirtConfig "kv-missing" not found on the supervisor (have: kv-a, kv-b) - 0/0  -`
	if got := lines(rep.Rows); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if rep.Failed() != 2 {
		t.Errorf("%d failed, want 2", rep.Failed())
	}
}

func TestATimedOutClusterSaysSo(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	w.Remotes["kv-a"].Fail("list", "virtualmachines", "", &cluster.TimeoutError{Cluster: cluster.RemoteID("kv-a"), Timeout: 3 * time.Second})
	rep := reader(w, status.Options{}).Read(context.Background(), []*vitistackv1alpha1.Machine{machine("team", "a", "kv-a")})
	if got := rep.Rows[0].Error; got != "cluster kv-a did not answer within --cluster-timeout=3s" {
		t.Errorf("error %q", got)
	}
}

func TestResolutionIsCreatesButRecordsNothing(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	add(t, w.Remotes["kv-b"],
		vmDoc("team", "vm-found", "vitistack.io/source-machine: found", "Running", true),
		vmDoc("team", "byname", "", "Stopped", false))
	machines := []*vitistackv1alpha1.Machine{machine("team", "found", ""), machine("team", "byname", ""), machine("team", "nowhere", "")}
	proxmox := machine("team", "px", "")
	proxmox.Spec.Provider = "proxmox"
	machines = append(machines, proxmox)
	rep := reader(w, status.Options{}).Read(context.Background(), machines)
	want := `team/found kv-b vm-found Running true 0/0  -
team/byname kv-b byname Stopped false 0/0  -
team/nowhere  - NotProvisioned - 0/0  -`
	if got := lines(rep.Rows); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if rep.Failed() != 0 {
		t.Errorf("a Machine provisioned nowhere is not a failure: %d failed", rep.Failed())
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Machine != "team/px" || !strings.Contains(rep.Skipped[0].Reason, "proxmox") {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	if n := w.Supervisor.Writes(); n != 0 {
		t.Errorf("%d writes on the supervisor: the chosen KubevirtConfig must not be recorded", n)
	}
	// The VM search's list across each cluster is the join's list too.
	for name, want := range map[string]string{
		"kv-a": "map[list virtualmachines:1]",
		"kv-b": "map[list persistentvolumeclaims:1 list virtualmachineinstances:1 list virtualmachines:1]",
	} {
		if got := fmt.Sprint(w.Remotes[name].Requests()); got != want {
			t.Errorf("%s requests: %s, want %s", name, got, want)
		}
	}
}

func TestASearchThatCouldNotReachEveryClusterIsAnError(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, "apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv-gone\nspec:\n  name: kv-gone\n  secretNamespace: vitistack\n  kubeconfigSecretRef: kv-gone-kubeconfig\n",
		clustertest.SecretYAML(clustertest.SecretNamespace, "kv-gone-kubeconfig", "kubeconfig", clustertest.Kubeconfig("https://gone.test:6443")))
	rep := reader(w, status.Options{}).Read(context.Background(), []*vitistackv1alpha1.Machine{machine("team", "x", "")})
	if e := rep.Rows[0].Error; !strings.Contains(e, "not searched, unreachable or refused: kv-gone") {
		t.Errorf("error %q", e)
	}
}

func TestMachinesByNameAndByList(t *testing.T) {
	web := `apiVersion: vitistack.io/v1alpha1
kind: Machine
metadata:
  name: web
  namespace: team
  labels: {tier: front}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"big": "copy"}'
    vitistack.io/kubevirt-config: kv-a
spec:
  provider: kubevirt
  machineClass: small
status:
  phase: Running
  message: long story
`
	db := "apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: db\n  namespace: team\nspec:\n  machineClass: large\n"
	w := clustertest.NewWorld(nil, web, db)
	sup := w.Supervisor.Client
	ctx := context.Background()

	ms, missing, err := status.Machines(ctx, sup, status.Query{Names: []string{"web", "ghost", "db"}, Namespace: "team"})
	if err != nil || len(ms) != 2 || ms[0].Name != "web" || ms[1].Name != "db" || len(missing) != 1 ||
		missing[0].Error() != `machine "ghost" not found on the supervisor in namespace "team"` {
		t.Fatalf("%v %v %v", ms, missing, err)
	}
	for _, full := range []bool{false, true} {
		ms, _, err = status.Machines(ctx, sup, status.Query{Namespace: "team", Selector: "tier=front", Full: full})
		if err != nil || len(ms) != 1 {
			t.Fatalf("%v %v", ms, err)
		}
		m := ms[0]
		if m.Status.Phase != "Running" || m.Status.Message != "" || m.Annotations[vitistack.AnnotationKubevirtConfig] != "kv-a" || len(m.Annotations) != 1 {
			t.Errorf("full %v: kept %+v %+v", full, m.ObjectMeta, m.Status)
		}
		if got := m.Spec.MachineClass; (got == "small") != full {
			t.Errorf("full %v: spec.machineClass %q", full, got)
		}
	}
	w.Supervisor.Fail("list", "machines", "", errors.New("forbidden"))
	if _, _, err := status.Machines(ctx, sup, status.Query{}); err == nil || err.Error() != "list machines on the supervisor: forbidden" {
		t.Errorf("%v", err)
	}
}

func TestStoreListsEachScopeOnce(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	a := w.Remotes["kv-a"]
	add(t, a, vmDoc("team", "vm-x", "source-machine: x", "", false), vmDoc("other", "vm-y", "", "", false))
	s := status.NewStore()
	var seen []string
	each := func(u *unstructured.Unstructured) error {
		seen = append(seen, u.GetNamespace()+"/"+u.GetName()+"="+vitistack.SourceMachine(u.GetLabels()))
		return nil
	}
	ctx := context.Background()
	for range 2 {
		if err := s.ListVMs(ctx, a.Client, "", each); err != nil {
			t.Fatal(err)
		}
	}
	// Namespaces are answered from the list across the cluster.
	if err := s.ListVMs(ctx, a.Client, "team", each); err != nil {
		t.Fatal(err)
	}
	if n := a.Requests()["list virtualmachines"]; n != 1 {
		t.Errorf("%d lists", n)
	}
	if got := fmt.Sprint(seen); !strings.Contains(got, "team/vm-x=x") || strings.Count(got, "team/vm-x=x") != 3 || strings.Count(got, "other/vm-y=") != 2 {
		t.Errorf("seen %s", got)
	}
	a.Fail("list", "virtualmachines", "", errors.New("boom"))
	if err := s.ListVMs(ctx, cluster.NewFromDynamic(cluster.RemoteID("kv-z"), a.Fake, ""), "team", each); err == nil || err.Error() != "boom" {
		t.Errorf("%v", err)
	}
}
