package deletion

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Messages of kept objects.
const (
	NeverNamespaces = "namespaces are never deleted"
	NotCreated      = "not created by vitimachine"
	KeptDisks       = "--keep-disks"
)

// planObjects reads the Machine's objects and decides each one, in the order they are deleted: the
// VM first (nothing may still run on the disks), then the PVCs, the cloud-init Secret, the
// NetworkAttachmentDefinitions, the NetworkConfiguration on the supervisor, and the Machine last.
// The namespace gets a row of its own, first, and is never deleted.
func (d *Deleter) planObjects(ctx context.Context, pl *pipeline.Plan, machine map[string]any) error {
	c, m := pl.Target.Cluster, pl.Machine
	snap, err := d.snapshot(ctx, c, m.Namespace)
	if err != nil {
		return err
	}
	nc, err := d.networkConfiguration(ctx, pl)
	if err != nil {
		return err
	}
	pl.Items = append(pl.Items, namespaceItem(c.ID, m.Namespace, snap))
	vms := d.planVMs(pl, snap)
	if snap.namespace != nil {
		own := names(vms)
		d.planPVCs(pl, snap, own)
		if err := d.planSecrets(ctx, pl, snap, vms); err != nil {
			return err
		}
		if err := d.planNADs(ctx, pl, snap, vms, nc); err != nil {
			return err
		}
	}
	if nc != nil {
		it := newItem(d.Supervisor.ID, cluster.NetworkConfigurations, nc)
		ok, why := d.verdict(nc.GetLabels(), m.Name, true)
		d.decide(it, nc, ok, why)
		pl.Items = append(pl.Items, it)
	}
	if d.Options.Machine {
		pl.Items = append(pl.Items, machineItem(d.Supervisor.ID, pl, machine))
	}
	return nil
}

// namespaceItem is the namespace's row: kept, never deleted.
func namespaceItem(id cluster.ID, name string, snap *snapshot) *plan.Item {
	it := &plan.Item{Cluster: id, Resource: cluster.Namespaces, Name: name}
	switch {
	case snap.namespace == nil:
		it.Action = plan.NotFound
	case snap.namespace.GetDeletionTimestamp() != nil:
		it.Live, it.Action, it.Message = snap.namespace.Object, plan.Terminating, "being deleted, not by this plugin; "+NeverNamespaces
	default:
		it.Live, it.Action, it.Message = snap.namespace.Object, plan.Kept, NeverNamespaces
	}
	return it
}

// planVMs plans the VMs labelled with the Machine (either source-machine key) for deletion, and
// reports a VM that has the Machine's VM name but is not the Machine's as kept. It returns the
// Machine's VMs.
func (d *Deleter) planVMs(pl *pipeline.Plan, snap *snapshot) []*unstructured.Unstructured {
	m := pl.Machine
	name := render.VMName(d.Options.Naming, m.Name)
	var own []*unstructured.Unstructured
	var items []*plan.Item
	named := false
	for _, vm := range snap.vms {
		owner := vitistack.SourceMachine(vm.GetLabels())
		if owner != m.Name && vm.GetName() != name {
			continue
		}
		it := newItem(pl.Target.Cluster.ID, cluster.VirtualMachines, vm)
		if owner == m.Name {
			own = append(own, vm)
		}
		ok, why := d.verdict(vm.GetLabels(), m.Name, false)
		d.decide(it, vm, ok, why)
		named = named || vm.GetName() == name
		items = append(items, it)
	}
	if len(own) == 0 && !named {
		items = append(items, &plan.Item{Cluster: pl.Target.Cluster.ID, Resource: cluster.VirtualMachines, Namespace: m.Namespace, Name: name, Action: plan.NotFound})
	}
	for _, it := range items {
		if it.Action == plan.WouldDelete && pl.VM == nil {
			pl.VM = it
		}
	}
	pl.Items = append(pl.Items, items...)
	return own
}

// planPVCs plans the PVCs labelled with the managed-by label and the Machine. One used by a VM
// that is not the Machine's is kept.
func (d *Deleter) planPVCs(pl *pipeline.Plan, snap *snapshot, own []string) {
	m := pl.Machine
	for _, pvc := range snap.pvcs {
		if ok, _ := d.verdict(pvc.GetLabels(), m.Name, true); !ok {
			continue
		}
		it := newItem(pl.Target.Cluster.ID, cluster.PVCs, pvc)
		keep := ""
		if d.Options.KeepDisks {
			keep = KeptDisks
		} else if users := snap.users(usesPVC, pvc.GetName(), own); len(users) > 0 {
			keep = usedBy(users)
		}
		d.decide(it, pvc, keep == "", keep)
		pl.Items = append(pl.Items, it)
	}
}

// planSecrets plans the cloud-init Secrets: "<vm>-cloudinit" of the Machine's VMs (and of the VM
// name under --naming, for a VM already gone) and the Secrets the VMs' cloud-init volumes name.
// Only those labelled with the managed-by label and the Machine are deleted; missing ones get no row.
func (d *Deleter) planSecrets(ctx context.Context, pl *pipeline.Plan, snap *snapshot, vms []*unstructured.Unstructured) error {
	c, m := pl.Target.Cluster, pl.Machine
	var candidates []string
	add := func(name string) {
		if !slices.Contains(candidates, name) {
			candidates = append(candidates, name)
		}
	}
	for _, vm := range vms {
		add(vm.GetName() + "-cloudinit")
		for _, u := range vmUses(vm) {
			if u.kind == usesSecret {
				add(u.name)
			}
		}
	}
	add(render.VMName(d.Options.Naming, m.Name) + "-cloudinit")
	for _, name := range candidates {
		u, err := c.GetUnstructured(ctx, cluster.Secrets, m.Namespace, name)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return fmt.Errorf("cluster %s: get secret %q in %q: %w", c.ID, name, m.Namespace, err)
		}
		// Only the metadata is needed; the values are dropped at once.
		u.Object = diff.Mask(u.Object)
		it := newItem(c.ID, cluster.Secrets, u)
		ok, why := d.verdict(u.GetLabels(), m.Name, true)
		if users := snap.users(usesSecret, name, names(vms)); ok && len(users) > 0 {
			ok, why = false, usedBy(users)
		}
		d.decide(it, u, ok, why)
		pl.Items = append(pl.Items, it)
	}
	return nil
}

// networkConfiguration reads the Machine's NetworkConfiguration on the supervisor (named like the
// Machine); nil when there is none.
func (d *Deleter) networkConfiguration(ctx context.Context, pl *pipeline.Plan) (*unstructured.Unstructured, error) {
	u, err := d.Supervisor.GetUnstructured(ctx, cluster.NetworkConfigurations, pl.Machine.Namespace, pl.Machine.Name)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get networkconfiguration %q on the supervisor: %w", pl.Key(), err)
	}
	return u, nil
}

// machineItem is the Machine itself (--machine), deleted last.
func machineItem(id cluster.ID, pl *pipeline.Plan, live map[string]any) *plan.Item {
	it := &plan.Item{Cluster: id, Resource: cluster.Machines, Namespace: pl.Machine.Namespace, Name: pl.Machine.Name, Live: live}
	switch u := (&unstructured.Unstructured{Object: live}); {
	case live == nil:
		it.Action = plan.NotFound
	case u.GetDeletionTimestamp() != nil:
		it.Action, it.Message = plan.Terminating, beingDeleted(u)
	default:
		it.Write, it.Action = plan.DeleteObject, plan.WouldDelete
	}
	return it
}

// verdict says whether labels make an object the Machine's: labelled with it (either
// source-machine key) and, when managedBy, with the managed-by label. why says why not.
func (d *Deleter) verdict(labels map[string]string, machine string, managedBy bool) (ok bool, why string) {
	switch owner := vitistack.SourceMachine(labels); {
	case owner == "":
		return false, NotCreated + " (no " + vitistack.LabelSourceMachine + " label)"
	case owner != machine:
		return false, "belongs to machine " + owner
	case managedBy && labels[d.Options.ManagedByKey] != d.Options.ManagedByValue:
		return false, fmt.Sprintf("%s (no %s=%s label; pass --managed-by-label if create used another)", NotCreated, d.Options.ManagedByKey, d.Options.ManagedByValue)
	}
	return true, ""
}

// decide plans an object for deletion when ok, else keeps it with why. An object already being
// deleted is reported as terminating, whatever the rest.
func (d *Deleter) decide(it *plan.Item, obj *unstructured.Unstructured, ok bool, why string) {
	switch {
	case obj.GetDeletionTimestamp() != nil:
		it.Action, it.Message = plan.Terminating, beingDeleted(obj)
	case ok:
		it.Write, it.Action = plan.DeleteObject, plan.WouldDelete
	default:
		it.Action, it.Message = plan.Kept, why
	}
}

// beingDeleted says that an object is already being deleted, and what holds it.
func beingDeleted(obj *unstructured.Unstructured) string {
	if f := obj.GetFinalizers(); len(f) > 0 {
		return "already being deleted (finalizers: " + strings.Join(f, ", ") + ")"
	}
	return "already being deleted"
}

// usedBy says which VMs still use an object.
func usedBy(vms []string) string {
	s := "used by virtualmachine " + vms[0]
	if len(vms) > 1 {
		s += fmt.Sprintf(" and %d more", len(vms)-1)
	}
	return s
}

func newItem(id cluster.ID, r cluster.Resource, obj *unstructured.Unstructured) *plan.Item {
	return &plan.Item{Cluster: id, Resource: r, Namespace: obj.GetNamespace(), Name: obj.GetName(), Live: obj.Object}
}

func names(objs []*unstructured.Unstructured) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetName()
	}
	return out
}
