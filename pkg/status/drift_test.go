package status_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
)

const smallClass = `apiVersion: vitistack.io/v1alpha1
kind: MachineClass
metadata:
  name: small
spec:
  enabled: true
  cpu: {cores: 2, sockets: 1, threads: 1}
  memory: {quantity: 8Gi}
`

// provision puts on the Machine's cluster the VM create renders for it under a naming scheme,
// changed by change; it uses its own reader, so that the test's reads start from nothing.
func provision(t *testing.T, w *clustertest.World, m *vitistackv1alpha1.Machine, naming render.Naming, change func(map[string]any)) {
	t.Helper()
	r := reader(w, status.Options{})
	p := r.Pipeline
	if naming != p.Options.Render.Naming {
		opts := p.Options
		opts.Render.Naming = naming
		p = &pipeline.Pipeline{Supervisor: p.Supervisor, Resolver: p.Resolver, Writer: p.Writer, Options: opts}
	}
	ctx := context.Background()
	tgt, err := r.Resolver.Resolve(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := p.Render(ctx, m, tgt)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := cluster.Content(objs.VM)
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(vm)
	}
	if err := w.Remotes[tgt.Name()].Fake.Tracker().Add(&unstructured.Unstructured{Object: vm}); err != nil {
		t.Fatal(err)
	}
}

func TestDriftComparesTheLiveVMWithWhatCreateWouldRender(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, smallClass)
	withClass := func(m *vitistackv1alpha1.Machine, class string) *vitistackv1alpha1.Machine {
		m.Spec.MachineClass = class
		return m
	}
	fresh := withClass(machine("team", "fresh", "kv-a"), "small")
	changed := withClass(machine("team", "changed", "kv-a"), "small")
	operator := machine("team", "op", "kv-a")
	none := machine("team", "none", "kv-a")
	broken := withClass(machine("team", "broken", "kv-a"), "gone")
	provision(t, w, fresh, render.NamingSeed, nil)
	provision(t, w, changed, render.NamingSeed, func(vm map[string]any) {
		_ = unstructured.SetNestedField(vm, int64(7), "spec", "template", "spec", "domain", "cpu", "cores")
	})
	provision(t, w, operator, render.NamingOperator, nil)
	add(t, w.Remotes["kv-a"], vmDoc("team", "vm-broken", "vitistack.io/source-machine: broken", "Running", true))
	w.Reset()

	rep := reader(w, status.Options{Drift: true}).Read(context.Background(), []*vitistackv1alpha1.Machine{fresh, changed, operator, none, broken})
	var got []string
	for _, r := range rep.Rows {
		got = append(got, fmt.Sprintf("%s=%d", r.Machine, r.Drift))
	}
	want := fmt.Sprintf("[fresh=%d changed=%d op=%d none=%d broken=%d]", status.DriftNo, status.DriftYes, status.DriftNo, status.DriftNone, status.DriftUnknown)
	if fmt.Sprint(got) != want {
		t.Errorf("drift %v, want %s", got, want)
	}
	if e := rep.Rows[4].DriftError; !strings.Contains(e, `MachineClass "gone" not found`) {
		t.Errorf("drift error %q", e)
	}
	// MachineClasses once per distinct class; storage facts and NetworkNamespaces once per naming
	// scheme in use; NetworkConfigurations once, for the operator-named VM's MAC; never a read per
	// Machine.
	if got := fmt.Sprint(w.Supervisor.Requests()); got != "map[get machineclasses:2 get secrets:1 list kubevirtconfigs:1 list networkconfigurations:1 list networknamespaces:2]" {
		t.Errorf("supervisor requests %s", got)
	}
	if got := fmt.Sprint(w.Remotes["kv-a"].Requests()); got != "map[get storageprofiles:2 list persistentvolumeclaims:1 list storageclasses:2 list virtualmachineinstances:1 list virtualmachines:1]" {
		t.Errorf("kv-a requests %s", got)
	}
}
