package deletion

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// nadKey is one NetworkAttachmentDefinition of one cluster.
type nadKey struct {
	cluster         cluster.ID
	namespace, name string
}

// nadRead is a NetworkAttachmentDefinition as read; nil when it does not exist.
type nadRead = *unstructured.Unstructured

// nadUse is what deciding a NetworkAttachmentDefinition item needs beyond its labels.
type nadUse struct {
	// users are the VMs in the namespace, other than the Machine's own, that use it.
	users []string
	// after are the VM items of other Machines of this run whose deletion frees it: it is deleted
	// only when they were.
	after []*plan.Item
}

// nadCandidate is a NetworkAttachmentDefinition the Machine's VMs use, or its NetworkConfiguration
// names when the VMs are gone already.
type nadCandidate struct {
	namespace, name string
	fromVM          bool
}

// planNADs plans the NetworkAttachmentDefinitions of the Machine's VMs' Multus networks (or, when
// the VMs are gone, of its NetworkConfiguration's interfaces, so that a re-run finishes what an
// interrupted run left). One is deleted only when it carries the managed-by label and no other VM in
// the namespace uses it; settleShared then looks at the other Machines of the run.
func (d *Deleter) planNADs(ctx context.Context, pl *pipeline.Plan, snap *snapshot, vms []*unstructured.Unstructured, nc *unstructured.Unstructured) error {
	c, m := pl.Target.Cluster, pl.Machine
	for _, cand := range nadCandidates(m.Namespace, vms, nc) {
		if cand.namespace != m.Namespace {
			pl.Items = append(pl.Items, &plan.Item{Cluster: c.ID, Resource: cluster.NetworkAttachmentDefinitions, Namespace: cand.namespace, Name: cand.name,
				Action: plan.Kept, Message: fmt.Sprintf("in namespace %s, not the machine's", cand.namespace)})
			continue
		}
		nad, err := d.nads.Get(nadKey{c.ID, m.Namespace, cand.name}, func() (nadRead, error) {
			u, err := c.GetUnstructured(ctx, cluster.NetworkAttachmentDefinitions, m.Namespace, cand.name)
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			return u, err
		})
		switch {
		case err != nil:
			return fmt.Errorf("cluster %s: get network-attachment-definition %q in %q: %w", c.ID, cand.name, m.Namespace, err)
		case nad == nil && cand.fromVM:
			pl.Items = append(pl.Items, &plan.Item{Cluster: c.ID, Resource: cluster.NetworkAttachmentDefinitions, Namespace: m.Namespace, Name: cand.name, Action: plan.NotFound})
			continue
		case nad == nil:
			continue
		}
		it := newItem(c.ID, cluster.NetworkAttachmentDefinitions, nad)
		if nad.GetLabels()[d.Options.ManagedByKey] != d.Options.ManagedByValue {
			d.decide(it, nad, false, fmt.Sprintf("%s (no %s=%s label)", NotCreated, d.Options.ManagedByKey, d.Options.ManagedByValue))
		} else {
			users := snap.users(usesNAD, cand.name, names(vms))
			d.decide(it, nad, len(users) == 0, usedByOrEmpty(users))
			d.recordUse(it, &nadUse{users: users})
		}
		pl.Items = append(pl.Items, it)
	}
	return nil
}

// nadCandidates lists the networks to look at, each once: the VMs' Multus networks, else the
// interfaces of the NetworkConfiguration.
func nadCandidates(namespace string, vms []*unstructured.Unstructured, nc *unstructured.Unstructured) []nadCandidate {
	var out []nadCandidate
	add := func(c nadCandidate) {
		if !slices.ContainsFunc(out, func(o nadCandidate) bool { return o.namespace == c.namespace && o.name == c.name }) {
			out = append(out, c)
		}
	}
	for _, vm := range vms {
		for _, n := range multusNetworks(vm) {
			ns, name := splitNetwork(n)
			if ns == "" {
				ns = namespace
			}
			add(nadCandidate{ns, name, true})
		}
	}
	if len(vms) > 0 || nc == nil {
		return out
	}
	interfaces, _, _ := unstructured.NestedSlice(nc.Object, "spec", "networkInterfaces")
	for _, i := range interfaces {
		iface, _ := i.(map[string]any)
		if name := str(iface, "name"); name != "" {
			add(nadCandidate{namespace, name, false})
		}
	}
	return out
}

func usedByOrEmpty(users []string) string {
	if len(users) == 0 {
		return ""
	}
	return usedBy(users)
}

func (d *Deleter) recordUse(it *plan.Item, u *nadUse) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.uses == nil {
		d.uses = map[*plan.Item]*nadUse{}
	}
	d.uses[it] = u
}

func (d *Deleter) use(it *plan.Item) *nadUse {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.uses[it]
}

// settleShared decides the NetworkAttachmentDefinitions that several Machines of the run share in
// one namespace: when every VM that uses one is deleted in this run, the last of those Machines
// (they are applied in input order) deletes it, after the others' VMs; the others keep it.
func (d *Deleter) settleShared(plans []*pipeline.Plan) {
	for _, group := range pipeline.Groups(plans) {
		deleting := map[string]*plan.Item{}
		for _, pl := range group {
			for _, it := range pl.Items {
				if it.Resource == cluster.VirtualMachines && it.Action == plan.WouldDelete {
					deleting[it.Name] = it
				}
			}
		}
		for _, entries := range d.nadEntries(group) {
			settleNAD(entries, deleting)
		}
	}
}

// nadEntry is one Machine's item for a NetworkAttachmentDefinition it may delete.
type nadEntry struct {
	plan *pipeline.Plan
	item *plan.Item
	use  *nadUse
}

// nadEntries are the items of the NetworkAttachmentDefinitions the group's Machines may delete, by
// name (in the order they first appear), each in input order.
func (d *Deleter) nadEntries(group []*pipeline.Plan) [][]nadEntry {
	var out [][]nadEntry
	index := map[string]int{}
	for _, pl := range group {
		for _, it := range pl.Items {
			u := d.use(it)
			if it.Resource != cluster.NetworkAttachmentDefinitions || u == nil {
				continue
			}
			i, ok := index[it.Name]
			if !ok {
				i = len(out)
				index[it.Name] = i
				out = append(out, nil)
			}
			out[i] = append(out[i], nadEntry{pl, it, u})
		}
	}
	return out
}

// settleNAD decides one shared NetworkAttachmentDefinition: unless a VM that stays uses it, the last
// entry deletes it once the other users' VMs are deleted, and the others keep it.
func settleNAD(entries []nadEntry, deleting map[string]*plan.Item) {
	for _, e := range entries {
		for _, u := range e.use.users {
			if deleting[u] == nil {
				return
			}
		}
	}
	last := entries[len(entries)-1]
	for _, e := range entries[:len(entries)-1] {
		if e.item.Action == plan.WouldDelete || e.item.Action == plan.Kept {
			e.item.Write, e.item.Action, e.item.Message = plan.NoWrite, plan.Kept, "deleted later in this run, with machine "+last.plan.Key()
		}
	}
	if last.item.Action == plan.Kept {
		last.item.Write, last.item.Action, last.item.Message = plan.DeleteObject, plan.WouldDelete, ""
	}
	for _, u := range last.use.users {
		last.use.after = append(last.use.after, deleting[u])
	}
}

// blocked says why a NetworkAttachmentDefinition planned for deletion must stay after all: a VM of
// another Machine of the run that uses it was not deleted. "" means go ahead.
func (d *Deleter) blocked(it *plan.Item) string {
	u := d.use(it)
	if u == nil {
		return ""
	}
	for _, vm := range u.after {
		if a, _ := vm.Final(); a != plan.Deleted && a != plan.WouldDelete && a != plan.NotFound {
			return fmt.Sprintf("used by virtualmachine %s, which was not deleted", vm.Name)
		}
	}
	return ""
}
