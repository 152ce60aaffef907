package pipeline

import (
	"context"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// planObjects reads the live state of the Machine's remote objects and decides each action.
func (p *Pipeline) planObjects(ctx context.Context, pl *Plan, objs render.Objects) error {
	c := pl.Target.Cluster
	if pl.Target.Record() && len(pl.Items) > 0 && pl.Items[0].create {
		// The Machine is created from a file: it is created with the annotation.
		setAnnotation(pl.Items[0].Desired, target.AnnotationKubevirtConfig, pl.Target.Config)
		pl.Items[0].Message = fmt.Sprintf("with %s=%s (chosen by %s)", target.AnnotationKubevirtConfig, pl.Target.Config, pl.Target.By)
	} else if pl.Target.Record() {
		// Desired and Live hold only the one annotation the patch sets (other annotations, such as
		// kubectl's last-applied-configuration, may carry the Machine's user data).
		pl.Items = append(pl.Items, &Item{Cluster: "supervisor", Resource: cluster.Machines, Namespace: pl.Machine.Namespace, Name: pl.Machine.Name, Action: WouldAnnotate,
			Message: fmt.Sprintf("%s=%s (chosen by %s)", target.AnnotationKubevirtConfig, pl.Target.Config, pl.Target.By),
			Desired: map[string]any{"metadata": map[string]any{"annotations": map[string]any{target.AnnotationKubevirtConfig: pl.Target.Config}}},
			Live:    map[string]any{"metadata": map[string]any{}},
		})
	}
	nsItem, err := newItem(c.Name, cluster.Namespaces, objs.Namespace)
	if err != nil {
		return err
	}
	pl.Items = append(pl.Items, nsItem)
	var ns corev1.Namespace
	u, err := c.GetUnstructured(ctx, cluster.Namespaces, "", objs.Namespace.Name)
	switch {
	case apierrors.IsNotFound(err):
		nsItem.create = true
	case err != nil:
		return fmt.Errorf("cluster %s: get namespace %q: %w", c.Name, objs.Namespace.Name, err)
	default:
		// An existing namespace is never touched, whatever its labels: it is unchanged by definition.
		nsItem.Live, nsItem.Action = u.Object, Unchanged
		if err := cluster.FromUnstructured(u, &ns); err != nil {
			return err
		}
		if ns.Status.Phase == corev1.NamespaceTerminating {
			return fmt.Errorf("cluster %s: namespace %q is terminating; nothing can be created in it (wait until it is gone, then run again)", c.Name, ns.Name)
		}
	}
	vms := map[string]map[string]any{}
	var owner string
	if !nsItem.create {
		if owner, err = p.readVMs(ctx, c, pl.Machine, vms, objs.VM.Name); err != nil {
			return err
		}
	}
	var items []*Item
	for _, pvc := range objs.PVCs {
		it, err := newItem(c.Name, cluster.PVCs, pvc)
		if err != nil {
			return err
		}
		if !nsItem.create {
			if err := p.readLive(ctx, c, it); err != nil {
				return err
			}
		}
		items = append(items, it)
	}
	vmItem, err := newItem(c.Name, cluster.VirtualMachines, objs.VM)
	if err != nil {
		return err
	}
	vmItem.Live = vms[objs.VM.Name]
	vmItem.create = vmItem.Live == nil
	items = append(items, vmItem)
	pl.VM = vmItem
	if owner != "" {
		for _, it := range items {
			it.create = false
			it.Action = Skipped
			it.Message = fmt.Sprintf("machine already provisioned as virtualmachine %q (labelled %s=%s)", owner, render.LabelSourceMachine, pl.Machine.Name)
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
func (p *Pipeline) readVMs(ctx context.Context, c *cluster.Client, m *vitistackv1alpha1.Machine, into map[string]map[string]any, want string) (string, error) {
	owner := ""
	err := c.List(ctx, cluster.VirtualMachines, m.Namespace, "", func(u *unstructured.Unstructured) error {
		if u.GetName() == want {
			into[want] = u.Object
			return nil
		}
		l := u.GetLabels()
		if l[render.LabelSourceMachine] == m.Name || l[render.LabelSourceMachineLegacy] == m.Name {
			owner = u.GetName()
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cluster %s: list virtualmachines in %q: %w", c.Name, m.Namespace, err)
	}
	if into[want] != nil {
		owner = ""
	}
	return owner, nil
}

func (p *Pipeline) readLive(ctx context.Context, c *cluster.Client, it *Item) error {
	u, err := c.GetUnstructured(ctx, it.Resource, it.Namespace, it.Name)
	switch {
	case apierrors.IsNotFound(err):
		it.create = true
		return nil
	case err != nil:
		return fmt.Errorf("cluster %s: get %s: %w", c.Name, it.Ref(), err)
	}
	it.Live = u.Object
	return nil
}

// decide sets the planned action of an item that has none yet.
func decide(it *Item) {
	if it.Action != "" {
		return
	}
	switch {
	case it.create || it.Live == nil:
		it.create = true
		it.Action = WouldCreate
	case diff.Equal(it.Desired, it.Live):
		it.Action = Unchanged
	default:
		it.Action = Differs
	}
}

func newItem(clusterName string, r cluster.Resource, obj runtime.Object) (*Item, error) {
	m, err := cluster.Content(obj)
	if err != nil {
		return nil, err
	}
	u := unstructured.Unstructured{Object: m}
	return &Item{Cluster: clusterName, Resource: r, Namespace: u.GetNamespace(), Name: u.GetName(), Desired: m}, nil
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
