package deletion_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/deletion"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// The managed-by label of the tests: create's default.
const mb = vitistack.DefaultManagedByKey

var defaultOptions = deletion.Options{Naming: render.NamingSeed, ManagedByKey: mb, ManagedByValue: vitistack.DefaultManagedByValue}

func newDeleter(w *clustertest.World, s write.Strategy, opts deletion.Options) *deletion.Deleter {
	return &deletion.Deleter{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{}), Writer: write.Writer{Strategy: s}, Options: opts}
}

// ours are the labels create puts on a Machine's PVCs and Secret.
func ours(machine string) map[string]string {
	return map[string]string{mb: vitistack.DefaultManagedByValue, vitistack.LabelSourceMachine: machine}
}

// object is an object of a resource, with labels and a uid and resourceVersion of its own.
func object(r cluster.Resource, ns, name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(r.APIVersion())
	u.SetKind(r.Kind)
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(labels)
	u.SetUID(types.UID("uid-" + name))
	u.SetResourceVersion("1")
	return u
}

// vm is a VirtualMachine whose template uses the claims, a cloud-init Secret (when not "") and the
// Multus networks.
func vm(ns, name string, labels map[string]string, claims []string, secret string, networks ...string) *unstructured.Unstructured {
	u := object(cluster.VirtualMachines, ns, name, labels)
	var volumes, nets []any
	for _, c := range claims {
		volumes = append(volumes, map[string]any{"name": c, "persistentVolumeClaim": map[string]any{"claimName": c}})
	}
	if secret != "" {
		volumes = append(volumes, map[string]any{"name": "cloudinitdisk", "cloudInitNoCloud": map[string]any{"secretRef": map[string]any{"name": secret}}})
	}
	for _, n := range networks {
		nets = append(nets, map[string]any{"name": "net", "multus": map[string]any{"networkName": n}})
	}
	_ = unstructured.SetNestedField(u.Object, map[string]any{"volumes": volumes, "networks": nets}, "spec", "template", "spec")
	return u
}

// add puts objects into a fake cluster.
func add(t *testing.T, c *clustertest.Cluster, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		if err := c.Fake.Tracker().Create(resourceOf(t, o).GVR, o, o.GetNamespace()); err != nil {
			t.Fatal(err)
		}
	}
}

// resourceOf finds the resource of an object by its kind (the fake's own guess gets
// network-attachment-definitions wrong).
func resourceOf(t *testing.T, o *unstructured.Unstructured) cluster.Resource {
	t.Helper()
	for _, r := range clustertest.Resources {
		if r.Kind == o.GetKind() {
			return r
		}
	}
	t.Fatalf("no resource for kind %s", o.GetKind())
	return cluster.Resource{}
}

func namespace(name string) *unstructured.Unstructured {
	u := object(cluster.Namespaces, "", name, nil)
	return u
}

func machine(ns, name string, finalizers ...string) *vitistackv1alpha1.Machine {
	return &vitistackv1alpha1.Machine{
		TypeMeta:   metav1.TypeMeta{APIVersion: "vitistack.io/v1alpha1", Kind: "Machine"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Finalizers: finalizers, UID: types.UID("uid-" + name), ResourceVersion: "1"},
	}
}

// machineObject is the supervisor's copy of a Machine.
func machineObject(t *testing.T, m *vitistackv1alpha1.Machine) *unstructured.Unstructured {
	t.Helper()
	u, err := cluster.ToUnstructured(m.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func inputs(ms ...*vitistackv1alpha1.Machine) []plan.Input {
	out := make([]plan.Input, len(ms))
	for i, m := range ms {
		out[i] = plan.Input{Machine: m}
	}
	return out
}

// run plans and applies, and returns the plans and the report rows as "cluster object action".
func run(t *testing.T, d *deletion.Deleter, in []plan.Input) ([]*pipeline.Plan, []string) {
	t.Helper()
	ctx := context.Background()
	plans := d.Plan(ctx, in)
	d.Apply(ctx, plans)
	return plans, rows(plans)
}

func rows(plans []*pipeline.Plan) []string {
	var out []string
	for _, pl := range plans {
		switch {
		case pl.Err != nil:
			out = append(out, "plan error: "+pl.Err.Error())
		case pl.SkipReason != "":
			out = append(out, "skipped: "+pl.SkipReason)
		}
		for _, it := range pl.Items {
			a, msg := it.Final()
			row := fmt.Sprintf("%s %s %s", it.Cluster.Name, it.Ref(), a)
			if msg != "" {
				row += ": " + msg
			}
			out = append(out, row)
		}
	}
	return out
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func wantList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %s, want %s", what, strings.Join(got, ","), strings.Join(want, ","))
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
