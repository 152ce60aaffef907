package pipeline

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Apply carries out the plans, Machine by Machine and object by object in plan order. A Machine whose
// plan failed writes nothing. Within a Machine, a failed write stops the writes after it (a VM is
// never created without its namespace and PVCs); the other Machines go on.
//
// Machines of the same cluster and namespace share their namespace: the first one applies first
// (and creates the namespace when it is missing), then the others of the group, Workers at a time;
// different namespaces are applied Workers at a time. The client's in-flight bound caps what reaches
// each cluster at once.
func (p *Pipeline) Apply(ctx context.Context, plans []*Plan) {
	groups := Groups(plans)
	batch.Each(len(groups), Workers, func(i int) {
		g := groups[i]
		p.apply(ctx, g[0])
		rest := g[1:]
		batch.Each(len(rest), Workers, func(j int) { p.apply(ctx, rest[j]) })
	})
}

// Groups are the plans that apply (neither failed nor skipped), by target cluster and namespace:
// the groups in the order of their first plan, each group's plans in input order.
func Groups(plans []*Plan) [][]*Plan {
	var out [][]*Plan
	index := map[nsKey]int{}
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		k := nsKey{pl.Target.Cluster.ID, pl.Machine.Namespace}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], pl)
	}
	return out
}

// madeNamespace records a namespace this run created (or dry-run created), for the Machines after
// the one that did it.
type madeNamespace struct {
	machine string
	result  write.Result
}

// namespaceMade reports which Machine of this run created (or dry-run created) a namespace. The
// first Machine of a cluster and namespace is applied before the others, so a lookup and the record
// for the same namespace never race.
func (p *Pipeline) namespaceMade(id cluster.ID, namespace string) (madeNamespace, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.made[nsKey{id, namespace}]
	return m, ok
}

func (p *Pipeline) recordNamespace(id cluster.ID, namespace string, m madeNamespace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.made == nil {
		p.made = map[nsKey]madeNamespace{}
	}
	p.made[nsKey{id, namespace}] = m
}

type nsKey struct {
	cluster   cluster.ID
	namespace string
}

// ClientFor is the client of a cluster of the plan: supervisor or the Machine's target; nil for
// any other cluster.
func (pl *Plan) ClientFor(supervisor *cluster.Client, id cluster.ID) *cluster.Client {
	switch {
	case supervisor != nil && id == supervisor.ID:
		return supervisor
	case pl.Target.Cluster != nil && id == pl.Target.Cluster.ID:
		return pl.Target.Cluster
	}
	return nil
}

func (p *Pipeline) apply(ctx context.Context, pl *Plan) {
	applier := plan.Applier{Writer: p.Writer}
	var failed *plan.Item
	nsPending := false
	for _, it := range pl.Items {
		if it.Write == plan.NoWrite {
			continue
		}
		switch {
		case failed != nil:
			it.Settle(plan.Skipped, fmt.Sprintf("not attempted: %s failed", failed.Ref()))
			continue
		case ctx.Err() != nil:
			it.Settle(plan.Skipped, "not attempted: interrupted")
			continue
		}
		isNamespace := it.Resource == cluster.Namespaces
		if isNamespace {
			if made, ok := p.namespaceMade(it.Cluster, it.Name); ok {
				// An earlier Machine of this run made it; nothing to write.
				msg := fmt.Sprintf("created in this run for machine %s", made.machine)
				if made.result != write.Stored {
					msg = fmt.Sprintf("would be created in this run for machine %s", made.machine)
				}
				it.Settle(plan.Unchanged, msg)
				nsPending = made.result == write.WouldStore
				continue
			}
		}
		var opts []write.Option
		if nsPending && it.Resource.Namespaced && it.Cluster == pl.Target.Cluster.ID {
			opts = append(opts, write.InPendingNamespace)
		}
		out := applier.Apply(ctx, pl.ClientFor(p.Supervisor, it.Cluster), it, opts...)
		switch {
		case out.Result == write.Failed:
			failed = it
		case it.Resource == cluster.Machines && it.Write == plan.CreateObject && out.Object != nil:
			// The NetworkConfiguration is owned by the Machine: now that it exists, its uid is known.
			ownedBy(pl.Items, out.Object.GetUID())
		case isNamespace && (out.Result == write.Stored || out.Result == write.WouldStore):
			p.recordNamespace(it.Cluster, it.Name, madeNamespace{machine: pl.Key(), result: out.Result})
			nsPending = out.Result == write.WouldStore
		}
	}
}

// ownedBy sets the owner uid of the plan's NetworkConfiguration to create.
func ownedBy(items []*plan.Item, uid types.UID) {
	for _, it := range items {
		if it.Resource != cluster.NetworkConfigurations || it.Write != plan.CreateObject {
			continue
		}
		refs, _, _ := unstructured.NestedSlice(it.Desired, "metadata", "ownerReferences")
		for _, r := range refs {
			if ref, ok := r.(map[string]any); ok && ref["kind"] == "Machine" {
				ref["uid"] = string(uid)
			}
		}
		_ = unstructured.SetNestedSlice(it.Desired, refs, "metadata", "ownerReferences")
	}
}

// Summarize counts the outcomes of the pipeline's plans.
func (p *Pipeline) Summarize(plans []*Plan) plan.Summary { return Summarize(plans, p.Writer.DryRun()) }

// Summarize counts the outcomes of plans (create's, delete's); dryRun names the dry run, "" for
// none. A Machine whose plan failed counts once as failed.
func Summarize(plans []*Plan, dryRun string) plan.Summary {
	s := plan.Summary{DryRun: dryRun}
	for _, pl := range plans {
		switch {
		case pl.Err != nil:
			s.Failed++
			continue
		case pl.SkipReason != "":
			s.Skipped++
			continue
		}
		for _, it := range pl.Items {
			a, _ := it.Final()
			s.Add(a)
		}
	}
	return s
}
