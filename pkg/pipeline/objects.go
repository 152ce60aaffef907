package pipeline

import (
	"context"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// AnnotationItem plans recording the chosen KubevirtConfig in the Machine's annotation, as the
// operator does. Desired and Live hold only that one annotation (other annotations, such as kubectl's
// last-applied-configuration, may carry the Machine's user data).
func AnnotationItem(supervisor cluster.ID, m *vitistackv1alpha1.Machine, t target.Target) *Item {
	return &Item{Cluster: supervisor, Resource: cluster.Machines, Namespace: m.Namespace, Name: m.Name,
		Write: AnnotateObject, Action: WouldAnnotate,
		Message: fmt.Sprintf("%s=%s (chosen by %s)", vitistack.AnnotationKubevirtConfig, t.Config, t.By),
		Desired: map[string]any{"metadata": map[string]any{"annotations": map[string]any{vitistack.AnnotationKubevirtConfig: t.Config}}},
		Live:    map[string]any{"metadata": map[string]any{}},
	}
}

// planObjects reads the live state of the Machine's remote objects and decides each action.
func (p *Pipeline) planObjects(ctx context.Context, pl *Plan, objs render.Objects) error {
	c := pl.Target.Cluster
	if pl.Target.Record() {
		if len(pl.Items) > 0 && pl.Items[0].Write == CreateObject {
			// The Machine is created from a file: it is created with the annotation.
			setAnnotation(pl.Items[0].Desired, vitistack.AnnotationKubevirtConfig, pl.Target.Config)
			pl.Items[0].Message = fmt.Sprintf("with %s=%s (chosen by %s)", vitistack.AnnotationKubevirtConfig, pl.Target.Config, pl.Target.By)
		} else {
			pl.Items = append(pl.Items, AnnotationItem(p.Supervisor.ID, pl.Machine, pl.Target))
		}
	}
	live, err := c.GetUnstructured(ctx, cluster.Namespaces, "", objs.Namespace.Name)
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return fmt.Errorf("cluster %s: get namespace %q: %w", c.ID, objs.Namespace.Name, err)
	}
	nsItem, err := PlanNamespace(c.ID, objs.Namespace.Name, live, p.Options.Render)
	if err != nil {
		return err
	}
	if nsItem.Action == Terminating {
		return terminatingError(nsItem)
	}
	pl.Items = append(pl.Items, nsItem)
	missing := nsItem.Write == CreateObject
	vms := map[string]map[string]any{}
	var owner string
	if !missing {
		if owner, err = readVMs(ctx, c, pl.Machine, vms, objs.VM.Name); err != nil {
			return err
		}
	}
	var items []*Item
	for _, pvc := range objs.PVCs {
		it, err := newItem(c.ID, cluster.PVCs, pvc)
		if err != nil {
			return err
		}
		if !missing {
			if err := readLive(ctx, c, it); err != nil {
				return err
			}
		}
		items = append(items, it)
	}
	vmItem, err := newItem(c.ID, cluster.VirtualMachines, objs.VM)
	if err != nil {
		return err
	}
	vmItem.Live = vms[objs.VM.Name]
	items = append(items, vmItem)
	pl.VM = vmItem
	if owner != "" {
		for _, it := range items {
			it.Action = Skipped
			it.Message = fmt.Sprintf("machine already provisioned as virtualmachine %q (labelled %s=%s)", owner, vitistack.LabelSourceMachine, pl.Machine.Name)
		}
	}
	pl.Items = append(pl.Items, items...)
	for _, it := range pl.Items {
		decide(it)
	}
	return nil
}

// readVMs lists the VirtualMachines of the Machine's namespace once: it finds the VM by name and
// returns the name of another VM already labelled with the Machine (the duplicate guard).
func readVMs(ctx context.Context, c *cluster.Client, m *vitistackv1alpha1.Machine, into map[string]map[string]any, want string) (string, error) {
	owner := ""
	err := c.List(ctx, cluster.VirtualMachines, m.Namespace, "", func(u *unstructured.Unstructured) error {
		if u.GetName() == want {
			into[want] = u.Object
			return nil
		}
		if vitistack.SourceMachine(u.GetLabels()) == m.Name {
			owner = u.GetName()
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cluster %s: list virtualmachines in %q: %w", c.ID, m.Namespace, err)
	}
	if into[want] != nil {
		owner = ""
	}
	return owner, nil
}

func readLive(ctx context.Context, c *cluster.Client, it *Item) error {
	u, err := c.GetUnstructured(ctx, it.Resource, it.Namespace, it.Name)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("cluster %s: get %s: %w", c.ID, it.Ref(), err)
	}
	it.Live = u.Object
	return nil
}

// decide sets the planned action of an item that has none yet: create what is absent, compare
// what is there.
func decide(it *Item) {
	if it.Action != "" {
		return
	}
	switch {
	case it.Live == nil:
		it.Write, it.Action = CreateObject, WouldCreate
	case diff.Equal(it.Desired, it.Live):
		it.Action = Unchanged
	default:
		it.Action = Differs
	}
}

func newItem(id cluster.ID, r cluster.Resource, obj runtime.Object) (*Item, error) {
	m, err := cluster.Content(obj)
	if err != nil {
		return nil, err
	}
	u := unstructured.Unstructured{Object: m}
	return &Item{Cluster: id, Resource: r, Namespace: u.GetNamespace(), Name: u.GetName(), Desired: m}, nil
}

func setAnnotation(obj map[string]any, key, value string) {
	u := unstructured.Unstructured{Object: obj}
	a := u.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	u.SetAnnotations(a)
}
