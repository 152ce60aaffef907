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
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// AnnotationItem plans recording the chosen KubevirtConfig in the Machine's annotation, as the
// operator does. Desired and Live hold only that one annotation (other annotations, such as kubectl's
// last-applied-configuration, may carry the Machine's user data).
func AnnotationItem(supervisor cluster.ID, m *vitistackv1alpha1.Machine, t target.Target) *plan.Item {
	return &plan.Item{Cluster: supervisor, Resource: cluster.Machines, Namespace: m.Namespace, Name: m.Name,
		Write: plan.AnnotateObject, Action: plan.WouldAnnotate,
		Message: fmt.Sprintf("%s=%s (chosen by %s)", vitistack.AnnotationKubevirtConfig, t.Config, t.By),
		Desired: map[string]any{"metadata": map[string]any{"annotations": map[string]any{vitistack.AnnotationKubevirtConfig: t.Config}}},
		Live:    map[string]any{"metadata": map[string]any{}},
	}
}

// remoteNamespace is what one namespace of a remote cluster holds, read once per run and shared by
// every Machine in it: the namespace itself (nil when missing), its VirtualMachines and its PVCs.
type remoteNamespace struct {
	namespace *unstructured.Unstructured
	vms       map[string]map[string]any
	pvcs      map[string]map[string]any
}

// objectKey is one object on one cluster.
type objectKey struct {
	cluster         cluster.ID
	namespace, name string
}

// remoteNamespace reads a namespace of a remote cluster: a get of the namespace and, when it exists,
// one list of its VMs and one of its PVCs, whatever the number of Machines and disks in it.
func (p *Pipeline) remoteNamespace(ctx context.Context, c *cluster.Client, namespace string) (*remoteNamespace, error) {
	return p.remotes.Get(nsKey{c.ID, namespace}, func() (*remoteNamespace, error) {
		r := &remoteNamespace{vms: map[string]map[string]any{}, pvcs: map[string]map[string]any{}}
		ns, err := c.GetUnstructured(ctx, cluster.Namespaces, "", namespace)
		switch {
		case apierrors.IsNotFound(err):
			return r, nil
		case err != nil:
			return nil, fmt.Errorf("cluster %s: get namespace %q: %w", c.ID, namespace, err)
		}
		r.namespace = ns
		for _, l := range []struct {
			res  cluster.Resource
			into map[string]map[string]any
		}{{cluster.VirtualMachines, r.vms}, {cluster.PVCs, r.pvcs}} {
			err := c.List(ctx, l.res, namespace, "", func(u *unstructured.Unstructured) error {
				l.into[u.GetName()] = u.Object
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("cluster %s: list %s in %q: %w", c.ID, l.res.GVR.Resource, namespace, err)
			}
		}
		return r, nil
	})
}

// Remote is what one namespace of a remote cluster holds, read as create reads it (a get of the
// namespace, one list of its VMs and one of its PVCs, once per run): VMs and PVCs by name; exists is
// false when the namespace is missing.
func (p *Pipeline) Remote(ctx context.Context, c *cluster.Client, namespace string) (vms, pvcs map[string]map[string]any, exists bool, err error) {
	r, err := p.remoteNamespace(ctx, c, namespace)
	if err != nil {
		return nil, nil, false, err
	}
	return r.vms, r.pvcs, r.namespace != nil, nil
}

// owner is the name of another VM of the namespace labelled with the Machine (the duplicate
// guard), or "".
func (r *remoteNamespace) owner(machine, vmName string) string {
	if r.vms[vmName] != nil {
		return ""
	}
	for name, vm := range r.vms {
		u := unstructured.Unstructured{Object: vm}
		if vitistack.SourceMachine(u.GetLabels()) == machine {
			return name
		}
	}
	return ""
}

// planObjects decides each object's action from what is live. Items come in write order: on the
// supervisor the Machine (from a file), the NetworkConfiguration, the annotation; on the remote the
// namespace, the NetworkAttachmentDefinition, the PVCs, the cloud-init Secret, the VM. pending is
// render.ErrStaticIPPending or nil: then only the supervisor's objects are planned.
func (p *Pipeline) planObjects(ctx context.Context, pl *Plan, objs render.Objects, live *remoteNamespace, pending error) error {
	c := pl.Target.Cluster
	owner := live.owner(pl.Machine.Name, render.VMName(p.Options.Render.Naming, pl.Machine.Name))
	// The only item planned so far, if any, is the Machine of a file (loadLiveMachine).
	createsMachine := len(pl.Items) > 0 && pl.Items[0].Resource == cluster.Machines && pl.Items[0].Write == plan.CreateObject
	if pl.Target.Record() && createsMachine {
		// The Machine is created from a file: it is created with the annotation.
		setAnnotation(pl.Items[0].Desired, vitistack.AnnotationKubevirtConfig, pl.Target.Config)
		pl.Items[0].Message = fmt.Sprintf("with %s=%s (chosen by %s)", vitistack.AnnotationKubevirtConfig, pl.Target.Config, pl.Target.By)
	}
	if objs.MAC != "" && owner == "" {
		it, err := p.configItem(ctx, pl, objs)
		if err != nil {
			return err
		}
		pl.Items = append(pl.Items, it)
	}
	if pl.Target.Record() && !createsMachine {
		pl.Items = append(pl.Items, AnnotationItem(p.Supervisor.ID, pl.Machine, pl.Target))
	}
	vmName := render.VMName(p.Options.Render.Naming, pl.Machine.Name)
	if pending != nil {
		// Nothing may be created on the remote cluster until the static IP is there.
		pl.Items = append(pl.Items, &plan.Item{Cluster: c.ID, Resource: cluster.VirtualMachines, Namespace: pl.Machine.Namespace, Name: vmName,
			Action: plan.Failed, Message: pending.Error() + "; nothing created on " + c.ID.Name})
		return nil
	}
	nsItem, err := PlanNamespace(c.ID, objs.Namespace.Name, live.namespace, p.Options.Render)
	if err != nil {
		return err
	}
	pl.Items = append(pl.Items, nsItem)
	var items []*plan.Item
	add := func(r cluster.Resource, obj runtime.Object, liveObj map[string]any) (*plan.Item, error) {
		it, err := newItem(c.ID, r, obj)
		if err != nil {
			return nil, err
		}
		it.Live = liveObj
		items = append(items, it)
		return it, nil
	}
	if objs.NAD != nil {
		nad, err := p.liveNAD(ctx, c, objs.NAD.GetNamespace(), objs.NAD.GetName(), nsItem.Write == plan.CreateObject)
		if err != nil {
			return err
		}
		if _, err := add(cluster.NetworkAttachmentDefinitions, objs.NAD, nad); err != nil {
			return err
		}
	}
	for _, pvc := range objs.PVCs {
		if _, err := add(cluster.PVCs, pvc, live.pvcs[pvc.Name]); err != nil {
			return err
		}
	}
	if objs.CloudInitSecret != nil {
		var secret map[string]any
		if nsItem.Write != plan.CreateObject {
			if secret, err = liveObject(ctx, c, cluster.Secrets, objs.CloudInitSecret.Namespace, objs.CloudInitSecret.Name); err != nil {
				return err
			}
		}
		if _, err := add(cluster.Secrets, objs.CloudInitSecret, secret); err != nil {
			return err
		}
	}
	vmItem, err := add(cluster.VirtualMachines, objs.VM, live.vms[vmName])
	if err != nil {
		return err
	}
	pl.VM = vmItem
	if owner != "" {
		for _, it := range items {
			it.Action = plan.Skipped
			it.Message = fmt.Sprintf("machine already provisioned as virtualmachine %q (labelled %s=%s)", owner, vitistack.LabelSourceMachine, pl.Machine.Name)
		}
	}
	pl.Items = append(pl.Items, items...)
	for _, it := range pl.Items {
		decide(it)
	}
	return nil
}

// configItem plans the NetworkConfiguration that persists the VM's MAC: created, updated (the
// interface added), or unchanged when it already holds the MAC.
func (p *Pipeline) configItem(ctx context.Context, pl *Plan, objs render.Objects) (*plan.Item, error) {
	m := pl.Machine
	live, _, err := p.networkConfig(ctx, m.Namespace, m.Name) // read for rendering already: no request
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("MAC %s (%s)", objs.MAC, objs.MACSource)
	it := &plan.Item{Cluster: p.Supervisor.ID, Resource: cluster.NetworkConfigurations, Namespace: m.Namespace, Name: m.Name, Message: msg,
		Generated: objs.MACSource == render.MACGenerated}
	if live != nil {
		content, err := cluster.Content(live)
		if err != nil {
			return nil, err
		}
		it.Live = content
	}
	switch {
	case objs.NetworkConfiguration == nil:
		it.Desired, it.Action = it.Live, plan.Unchanged
	case live == nil:
		it.Write, it.Action = plan.CreateObject, plan.WouldCreate
	default:
		it.Write, it.Action = plan.UpdateObject, plan.WouldUpdate
	}
	if objs.NetworkConfiguration != nil {
		if it.Desired, err = cluster.Content(objs.NetworkConfiguration); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// liveNAD reads a NetworkAttachmentDefinition once per run; nil when it is missing (or its namespace is).
func (p *Pipeline) liveNAD(ctx context.Context, c *cluster.Client, namespace, name string, nsMissing bool) (map[string]any, error) {
	if nsMissing {
		return nil, nil
	}
	u, err := p.nads.Get(objectKey{c.ID, namespace, name}, func() (*unstructured.Unstructured, error) {
		u, err := c.GetUnstructured(ctx, cluster.NetworkAttachmentDefinitions, namespace, name)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: get networkattachmentdefinition %q in %q: %w", c.ID, name, namespace, err)
	}
	if u == nil {
		return nil, nil
	}
	return u.Object, nil
}

// liveObject reads one object; nil when it is missing.
func liveObject(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name string) (map[string]any, error) {
	u, err := c.GetUnstructured(ctx, r, namespace, name)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cluster %s: get %s: %w", c.ID, r.Ref(name), err)
	}
	return u.Object, nil
}

// decide sets the planned action of an item that has none yet: create what is absent, compare
// what is there.
func decide(it *plan.Item) {
	if it.Action != plan.NoAction {
		return
	}
	switch {
	case it.Live == nil:
		it.Write, it.Action = plan.CreateObject, plan.WouldCreate
	case diff.Equal(it.Desired, it.Live):
		it.Action = plan.Unchanged
	default:
		it.Action = plan.Differs
	}
}

func newItem(id cluster.ID, r cluster.Resource, obj runtime.Object) (*plan.Item, error) {
	m, err := cluster.Content(obj)
	if err != nil {
		return nil, err
	}
	u := unstructured.Unstructured{Object: m}
	return &plan.Item{Cluster: id, Resource: r, Namespace: u.GetNamespace(), Name: u.GetName(), Desired: m}, nil
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
