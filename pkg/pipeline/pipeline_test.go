package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

var renderOpts = render.Options{Naming: render.NamingSeed, ManagedByKey: vitistack.DefaultManagedByKey,
	ManagedByValue: vitistack.DefaultManagedByValue, VolumeMode: corev1.PersistentVolumeBlock}

func newPipeline(w *clustertest.World, s write.Strategy, opts target.Options) *pipeline.Pipeline {
	return &pipeline.Pipeline{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(opts),
		Writer: write.Writer{Strategy: s}, Options: pipeline.Options{Render: renderOpts}}
}

func machine(ns, name string, mutate ...func(*vitistackv1alpha1.Machine)) *vitistackv1alpha1.Machine {
	m := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, f := range mutate {
		f(m)
	}
	return m
}

func annotated(config string) func(*vitistackv1alpha1.Machine) {
	return func(m *vitistackv1alpha1.Machine) {
		m.Annotations = map[string]string{vitistack.AnnotationKubevirtConfig: config}
	}
}

func inputs(ms ...*vitistackv1alpha1.Machine) []plan.Input {
	out := make([]plan.Input, len(ms))
	for i, m := range ms {
		out[i] = plan.Input{Machine: m}
	}
	return out
}

// run plans and applies, and returns the plans and the report rows as "cluster object action".
func run(t *testing.T, p *pipeline.Pipeline, in []plan.Input) ([]*pipeline.Plan, []string) {
	t.Helper()
	ctx := context.Background()
	plans := p.Plan(ctx, in)
	p.Apply(ctx, plans)
	var rows []string
	for _, pl := range plans {
		if pl.Err != nil {
			rows = append(rows, "plan error: "+pl.Err.Error())
		}
		for _, it := range pl.Items {
			a, msg := it.Final()
			row := fmt.Sprintf("%s %s %s", it.Cluster.Name, it.Ref(), a)
			if msg != "" {
				row += ": " + msg
			}
			rows = append(rows, row)
		}
	}
	return plans, rows
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// machineYAML is a Machine; spec lines are indented by two spaces.
func machineYAML(ns, name string, annotations map[string]string, spec ...string) string {
	s := fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns)
	if len(annotations) > 0 {
		s += "  annotations:\n"
		for k, v := range annotations {
			s += fmt.Sprintf("    %s: %q\n", k, v)
		}
	}
	s += "spec:\n  provider: kubevirt\n"
	for _, l := range spec {
		s += "  " + l + "\n"
	}
	return s
}

// typed decodes a Machine.
func typed(t *testing.T, doc string) *vitistackv1alpha1.Machine {
	t.Helper()
	var m vitistackv1alpha1.Machine
	if err := cluster.FromUnstructured(clustertest.Object(doc), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func TestCreatesNamespaceThenPVCsThenVMOnTheResolvedCluster(t *testing.T) {
	doc := machineYAML("team", "web", nil)
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	p := newPipeline(w, write.None, target.Options{})
	plans, rows := run(t, p, inputs(typed(t, doc)))
	wantRows(t, rows,
		"supervisor machine.vitistack.io/web annotated: vitistack.io/kubevirt-config=kv-a (chosen by only KubevirtConfig)",
		"kv-a namespace/team created",
		"kv-a persistentvolumeclaim/vm-web-root-pvc created",
		"kv-a virtualmachine.kubevirt.io/vm-web created")
	if got := strings.Join(w.Remotes["kv-a"].Created(), ","); got != "namespaces/team,persistentvolumeclaims/vm-web-root-pvc,virtualmachines/vm-web" {
		t.Errorf("create order on the remote: %s", got)
	}
	if n := w.Supervisor.Requests()["patch machines"]; n != 1 {
		t.Errorf("annotation patches: %d", n)
	}
	s := p.Summarize(plans)
	if s.Created != 3 || s.Failed != 0 || s.DryRun != "" {
		t.Errorf("summary %+v", s)
	}
	// A second run writes nothing.
	w.Reset()
	_, rows = run(t, newPipeline(w, write.None, target.Options{}), inputs(machine("team", "web", annotated("kv-a"))))
	wantRows(t, rows,
		"kv-a namespace/team unchanged",
		"kv-a persistentvolumeclaim/vm-web-root-pvc unchanged",
		"kv-a virtualmachine.kubevirt.io/vm-web unchanged")
	if n := w.Remotes["kv-a"].Writes() + w.Supervisor.Writes(); n != 0 {
		t.Errorf("re-run made %d writes", n)
	}
}

// noPlanErrors fails the test when a plan failed: a row run returns as "plan error: …".
func noPlanErrors(t *testing.T, rows []string) {
	t.Helper()
	for _, r := range rows {
		if strings.HasPrefix(r, "plan error: ") {
			t.Fatalf("the plan failed: %s", r)
		}
	}
}
