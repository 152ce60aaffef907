package pipeline

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Apply carries out the plans, Machine by Machine and object by object in plan order. A Machine whose
// plan failed writes nothing. Within a Machine, a failed write stops the writes after it (a VM is
// never created without its namespace and PVCs); the other Machines go on.
//
// Machines of the same cluster and namespace are applied in input order, one after the other;
// different namespaces are applied Workers at a time.
func (p *Pipeline) Apply(ctx context.Context, plans []*Plan) {
	var groups [][]*Plan
	index := map[string]int{}
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		key := pl.Target.Name() + "/" + pl.Machine.Namespace
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], pl)
	}
	each(len(groups), func(i int) {
		for _, pl := range groups[i] {
			p.apply(ctx, pl)
		}
	})
}

// createdBy reports which Machine of this run created (or dry-run created) a namespace, or "".
// Machines of one cluster and namespace are applied one after the other, so a lookup and a later
// record for the same namespace never race.
func (p *Pipeline) createdBy(clusterName, namespace string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.created[clusterName+"/"+namespace]
}

func (p *Pipeline) recordCreated(clusterName, namespace, machine string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.created == nil {
		p.created = map[string]string{}
	}
	p.created[clusterName+"/"+namespace] = machine
}

func (p *Pipeline) apply(ctx context.Context, pl *Plan) {
	var failed *Item
	nsPending := false
	for _, it := range pl.Items {
		if !it.Action.Changes() {
			continue
		}
		if failed == nil && ctx.Err() != nil {
			it.Action, it.Message = Skipped, "not attempted: interrupted"
			continue
		}
		if failed != nil {
			it.Action, it.Message = Skipped, fmt.Sprintf("not attempted: %s failed", failed.Ref())
			continue
		}
		c := pl.Target.Cluster
		if it.Cluster == "supervisor" {
			c = p.Supervisor
		}
		if it.Action == WouldAnnotate {
			err := p.Writer.Annotate(ctx, c, it.Resource, it.Namespace, it.Name, target.AnnotationKubevirtConfig, pl.Target.Config)
			p.settle(it, err, Annotated, WouldAnnotate)
			if err != nil {
				failed = it
			}
			continue
		}
		if it.Resource == cluster.Namespaces {
			if owner := p.createdBy(it.Cluster, it.Name); owner != "" {
				// An earlier Machine of this run made it; nothing to write.
				it.Action, it.Message = Unchanged, fmt.Sprintf("created in this run for machine %s", owner)
				if p.Writer.Strategy != write.None {
					it.Message = fmt.Sprintf("would be created in this run for machine %s", owner)
				}
				nsPending = p.Writer.Strategy == write.Server
				continue
			}
		}
		if nsPending && it.Resource.Namespaced && it.Cluster != "supervisor" {
			// A server dry-run cannot see a namespace that was itself only dry-run created.
			it.Action = NamespacePending
			continue
		}
		err := p.Writer.Create(ctx, c, it.Resource, it.Desired)
		if apierrors.IsAlreadyExists(err) {
			// Another run or the operator got there first: the object exists, which is all we want.
			it.Action, it.Message = Unchanged, "created meanwhile by someone else"
			continue
		}
		if it.Resource == cluster.Machines && apierrors.IsNotFound(err) {
			// The plugin never creates supervisor namespaces; say what to do.
			err = fmt.Errorf("namespace %q does not exist on the supervisor (create it first: kubectl create namespace %s)", it.Namespace, it.Namespace)
		}
		p.settle(it, err, Created, WouldCreate)
		if err != nil {
			failed = it
			continue
		}
		if it.Resource == cluster.Namespaces {
			p.recordCreated(it.Cluster, it.Name, pl.Key())
			nsPending = p.Writer.Strategy == write.Server
		}
	}
}

func (p *Pipeline) settle(it *Item, err error, done, dry Action) {
	switch {
	case err != nil:
		it.Action, it.Message = Failed, fmt.Sprintf("cluster %s: %s: %v", it.Cluster, it.Ref(), err)
	case p.Writer.Strategy == write.None:
		it.Action = done
	default:
		it.Action = dry
	}
}

// Summarize counts the outcomes of plans. A Machine whose plan failed counts once as failed.
func Summarize(plans []*Plan) Summary {
	var s Summary
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
			switch it.Action {
			case Created, WouldCreate, NamespacePending:
				s.Created++
			case Unchanged:
				s.Unchanged++
			case Differs:
				s.Differs++
			case Skipped:
				s.Skipped++
			case Failed:
				s.Failed++
			}
		}
	}
	return s
}
