package power_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/power"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

func machine(ns, name, config string) *vitistackv1alpha1.Machine {
	m := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	m.Spec.Provider = "kubevirt"
	if config != "" {
		m.Annotations = map[string]string{vitistack.AnnotationKubevirtConfig: config}
	}
	return m
}

func vmDoc(ns, machine, runStrategy, printable string) string {
	return fmt.Sprintf("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm-%[2]s\n  namespace: %[1]s\n  labels:\n    vitistack.io/source-machine: %[2]s\n"+
		"spec:\n  runStrategy: %[3]s\nstatus:\n  printableStatus: %[4]s\n", ns, machine, runStrategy, printable)
}

func vmiDoc(ns, machine string) string {
	return fmt.Sprintf("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata:\n  name: vm-%s\n  namespace: %s\n  uid: u-1\nstatus:\n  phase: Running\n  nodeName: node-a\n", machine, ns)
}

func add(t *testing.T, c *clustertest.Cluster, docs ...string) {
	t.Helper()
	for _, d := range docs {
		if err := c.Fake.Tracker().Add(clustertest.Object(d)); err != nil {
			t.Fatal(err)
		}
	}
}

func runner(w *clustertest.World, verb string, st write.Strategy) *power.Runner {
	v, _ := power.Lookup(verb)
	r := &power.Runner{Verb: v, Writer: write.Writer{Strategy: st}, Options: power.Options{Poll: 10 * time.Millisecond}}
	r.Resolver = w.Resolver(target.Options{IndexVMs: true, ListVMs: r.ListVMs, VMNames: func(m string) []string { return []string{"vm-" + m, m} }})
	return r
}

func TestPlanReadsEachNamespaceOnceAndDecidesEveryMachine(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	a, b := w.Remotes["kv-a"], w.Remotes["kv-b"]
	add(t, a, vmDoc("team", "web", "Always", "Running"), vmiDoc("team", "web"), vmDoc("team", "db", "Halted", "Stopped"))
	add(t, b, vmDoc("team", "far", "Always", "Running"), vmiDoc("team", "far"))
	other := machine("team", "other", "kv-a")
	other.Spec.Provider = "proxmox"
	machines := []*vitistackv1alpha1.Machine{machine("team", "web", "kv-a"), machine("team", "db", "kv-a"), machine("team", "none", "kv-a"),
		machine("team", "far", "kv-b"), other, machine("team", "lost", "kv-nowhere")}
	r := runner(w, "stop", write.Client)
	items, skipped := r.Plan(context.Background(), machines)
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %s %s %s", it.Machine, it.Cluster, it.VM, it.Action))
	}
	want := "web kv-a vm-web would stop|db kv-a vm-db already stopped|none kv-a  not provisioned|far kv-b vm-far would stop|lost kv-nowhere  failed"
	if strings.Join(got, "|") != want {
		t.Errorf("plan:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if len(skipped) != 1 || skipped[0].Machine != "team/other" {
		t.Errorf("skipped %+v", skipped)
	}
	for _, c := range []*clustertest.Cluster{a, b} {
		if got := fmt.Sprint(c.Requests()); got != "map[list virtualmachineinstances:1 list virtualmachines:1]" {
			t.Errorf("%s requests: %s", c.ID, got)
		}
	}
	// A client dry run sends nothing and says what it would do.
	r.Apply(context.Background(), items)
	if items[0].Outcome != power.Would || items[0].Action != "would stop" {
		t.Errorf("client dry run: %+v", items[0])
	}
	if s := r.Summarize(items); s.Done != 2 || s.Unchanged != 1 || s.NotProvisioned != 1 || s.Failed != 1 || s.DryRun != "client" {
		t.Errorf("summary %+v", s)
	}
	for _, c := range []*clustertest.Cluster{a, b} {
		if c.Writes() != 0 {
			t.Errorf("%s: %d writes", c.ID, c.Writes())
		}
	}
}

func TestApplyReportsAFailedCallAndWaitNamesWhatDidNotGetThere(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	a := w.Remotes["kv-a"]
	add(t, a, vmDoc("team", "web", "Halted", "Stopped"))
	r := runner(w, "start", write.None)
	items, _ := r.Plan(context.Background(), []*vitistackv1alpha1.Machine{machine("team", "web", "kv-a")})
	if items[0].Outcome != power.Call {
		t.Fatalf("plan: %+v", items[0])
	}
	// The fake has no subresource API: the call fails, and the row says why.
	r.Apply(context.Background(), items)
	if items[0].Outcome != power.Failed || !strings.Contains(items[0].Error, "subresource calls need a real API server") {
		t.Fatalf("apply: %+v", items[0])
	}
	// A call that was accepted but whose VM never runs: the wait names it with its last state.
	items[0].Outcome = power.Done
	err := r.Wait(context.Background(), items, 50*time.Millisecond, nil)
	we, ok := err.(*pipeline.WaitError)
	if !ok || we.Unmet != "not Running" || len(we.Lines) != 1 || !strings.Contains(we.Lines[0], "team/web (VM vm-web on kv-a): last state: Stopped") {
		t.Fatalf("wait: %v", err)
	}
	// Once it runs, the wait ends, telling progress each change.
	add(t, a, vmiDoc("team", "web"))
	vm := a.Get(cluster.VirtualMachines, "team", "vm-web")
	vm.Object["status"] = map[string]any{"printableStatus": "Running"}
	if err := a.Fake.Tracker().Update(cluster.VirtualMachines.GVR, vm, "team"); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := r.Wait(context.Background(), items, 5*time.Second, func(m, s string) { seen = append(seen, m+" "+s) }); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if strings.Join(seen, "|") != "team/web Running" {
		t.Errorf("progress %q", seen)
	}
}
