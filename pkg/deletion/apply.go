package deletion

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Apply carries out the plans, Machine by Machine and object by object in plan order. A Machine
// whose plan failed deletes nothing. Within a Machine, a delete that fails (or finds its object
// replaced or changed since it was planned) stops the deletes after it: disks are never deleted
// while their VM may still be there, and the Machine goes last. The other Machines go on.
//
// Machines of one cluster and namespace are applied in input order, one after the other; different
// namespaces are applied pipeline.Workers at a time.
func (d *Deleter) Apply(ctx context.Context, plans []*pipeline.Plan) {
	gs := pipeline.Groups(plans)
	batch.Each(len(gs), pipeline.Workers, func(i int) {
		for _, pl := range gs[i] {
			d.apply(ctx, pl)
		}
	})
	d.noteEmptyNamespaces(gs)
}

func (d *Deleter) apply(ctx context.Context, pl *pipeline.Plan) {
	applier := plan.Applier{Writer: d.Writer}
	var failed *plan.Item
	for _, it := range pl.Items {
		if it.Write != plan.DeleteObject {
			continue
		}
		switch {
		case failed != nil:
			it.Result, it.ResultMessage = plan.Skipped, fmt.Sprintf("not attempted: %s failed", failed.Ref())
			continue
		case ctx.Err() != nil:
			it.Result, it.ResultMessage = plan.Skipped, "not attempted: interrupted"
			continue
		}
		if why := d.blocked(it); why != "" {
			it.Result, it.ResultMessage = plan.Kept, why
			continue
		}
		switch out := applier.Apply(ctx, pl.ClientFor(d.Supervisor, it.Cluster), it); out.Result {
		case write.Changed, write.Failed:
			failed = it
		case write.Stored, write.WouldStore, write.NoServerDryRun, write.Pending, write.Exists, write.Gone:
		}
	}
}

// noteEmptyNamespaces adds to the namespace row of the last Machine of each namespace that the run
// leaves (or, in a dry run, would leave) no VirtualMachine and no PVC in it. Objects already being
// deleted count as gone.
func (d *Deleter) noteEmptyNamespaces(gs [][]*pipeline.Plan) {
groups:
	for _, g := range gs {
		last := g[len(g)-1]
		snap, ok := d.snapshots.Peek(nsKey{last.Target.Cluster.ID, last.Machine.Namespace})
		if !ok || snap.namespace == nil {
			continue
		}
		gone := map[cluster.Resource]map[string]bool{cluster.VirtualMachines: {}, cluster.PVCs: {}}
		for _, pl := range g {
			for _, it := range pl.Items {
				if a, _ := it.Final(); (a == plan.Deleted || a == plan.WouldDelete) && gone[it.Resource] != nil {
					gone[it.Resource][it.Name] = true
				}
			}
		}
		for _, l := range []struct {
			r   cluster.Resource
			all []string
		}{{cluster.VirtualMachines, live(snap.vms)}, {cluster.PVCs, live(snap.pvcs)}} {
			for _, name := range l.all {
				if !gone[l.r][name] {
					continue groups
				}
			}
		}
		ns := last.Items[0]
		if ns.Resource != cluster.Namespaces || ns.Action != plan.Kept {
			continue
		}
		if d.Writer.DryRun() == "" {
			ns.Message += "; no VirtualMachine or PVC is left in it"
		} else {
			ns.Message += "; no VirtualMachine or PVC would be left in it"
		}
	}
}

// Summarize counts the outcomes of the plans, in create's vocabulary.
func (d *Deleter) Summarize(plans []*pipeline.Plan) plan.Summary {
	return pipeline.Summarize(plans, d.Writer.DryRun())
}

// Refs are the objects the plans deleted (or, in a dry run, would delete), as kind.group/name, for
// -o name.
func Refs(plans []*pipeline.Plan) []string {
	var out []string
	for _, pl := range plans {
		for _, it := range pl.Items {
			if a, _ := it.Final(); a == plan.Deleted || a == plan.WouldDelete {
				out = append(out, it.Ref())
			}
		}
	}
	return out
}

// live are the names of the objects that are not being deleted.
func live(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		if o.GetDeletionTimestamp() == nil {
			out = append(out, o.GetName())
		}
	}
	return out
}
