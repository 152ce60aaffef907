package pipeline

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Applier carries out the write of one item through the write seam and records the result on the
// item. create and ns-sync both apply through it.
type Applier struct {
	Writer write.Writer
}

// Apply writes it to c, which must be the client of it.Cluster, and returns the write's outcome.
func (a Applier) Apply(ctx context.Context, c *cluster.Client, it *Item, opts ...write.Option) write.Outcome {
	if c == nil || c.ID != it.Cluster {
		err := fmt.Errorf("no client for cluster %s", it.Cluster)
		it.settle(Failed, err.Error())
		return write.Outcome{Result: write.Failed, Err: err}
	}
	var out write.Outcome
	done, dry := Created, WouldCreate
	switch it.Write {
	case CreateObject:
		out = a.Writer.Create(ctx, c, it.Resource, it.Desired, opts...)
	case AnnotateObject:
		key, value, err := onlyAnnotation(it.Desired)
		if err != nil {
			out = write.Outcome{Result: write.Failed, Err: err}
			break
		}
		out = a.Writer.Annotate(ctx, c, it.Resource, it.Namespace, it.Name, key, value)
		done, dry = Annotated, WouldAnnotate
	case UpdateObject:
		out = a.Writer.Update(ctx, c, it.Resource, it.Desired)
		done, dry = Updated, WouldUpdate
	case PatchObject:
		live := unstructured.Unstructured{Object: it.Live}
		out = a.Writer.Patch(ctx, c, it.Resource, it.Namespace, it.Name, live.GetResourceVersion(), it.Patch)
		done, dry = Updated, WouldUpdate
	case DeleteObject:
		live := unstructured.Unstructured{Object: it.Live}
		out = a.Writer.Delete(ctx, c, it.Resource, it.Namespace, it.Name, write.Preconditions{UID: live.GetUID(), ResourceVersion: live.GetResourceVersion()})
		done, dry = Deleted, WouldDelete
	default:
		return write.Outcome{Result: write.Stored}
	}
	switch out.Result {
	case write.Stored:
		it.settle(done, it.Message)
	case write.WouldStore:
		it.settle(dry, it.Message)
	case write.Pending:
		it.settle(NamespacePending, it.Message)
	case write.Exists:
		// Another run or the operator got there first: the object exists, which is all we want.
		it.settle(Unchanged, "created meanwhile by someone else")
	case write.Gone:
		it.settle(NotFound, "deleted meanwhile by someone else")
	case write.Changed:
		why := "changed since it was read; nothing written (run again to see it as it is now)"
		if it.Write == DeleteObject {
			// The preconditions are the uid and resourceVersion the plan read.
			why = "replaced or changed since it was planned; not deleted (run again to plan it as it is now)"
		}
		it.settle(Failed, fmt.Sprintf("cluster %s: %s: %s", it.Cluster, it.Ref(), why))
	case write.Failed:
		err := out.Err
		if it.Resource == cluster.Machines && it.Write == CreateObject && apierrors.IsNotFound(err) {
			// The plugin never creates supervisor namespaces; say what to do.
			err = fmt.Errorf("namespace %q does not exist on the supervisor (create it first: kubectl create namespace %s)", it.Namespace, it.Namespace)
		}
		it.settle(Failed, fmt.Sprintf("cluster %s: %s: %v", it.Cluster, it.Ref(), err))
	}
	return out
}

// onlyAnnotation reads the single annotation an AnnotateObject item sets.
func onlyAnnotation(obj map[string]any) (string, string, error) {
	a, _, _ := unstructured.NestedStringMap(obj, "metadata", "annotations")
	if len(a) != 1 {
		return "", "", fmt.Errorf("an annotation item must set exactly one annotation, not %d", len(a))
	}
	for k, v := range a {
		return k, v, nil
	}
	return "", "", nil
}

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
	applier := Applier{Writer: p.Writer}
	var failed *Item
	nsPending := false
	for _, it := range pl.Items {
		if it.Write == NoWrite {
			continue
		}
		switch {
		case failed != nil:
			it.settle(Skipped, fmt.Sprintf("not attempted: %s failed", failed.Ref()))
			continue
		case ctx.Err() != nil:
			it.settle(Skipped, "not attempted: interrupted")
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
				it.settle(Unchanged, msg)
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
		case it.Resource == cluster.Machines && it.Write == CreateObject && out.Object != nil:
			// The NetworkConfiguration is owned by the Machine: now that it exists, its uid is known.
			ownedBy(pl.Items, out.Object.GetUID())
		case it.Resource == cluster.NetworkConfigurations && out.Result == write.WouldStore && strings.Contains(it.Message, string(render.MACGenerated)):
			it.ResultMessage = it.Message + "; not persisted: dry run"
		case isNamespace && (out.Result == write.Stored || out.Result == write.WouldStore):
			p.recordNamespace(it.Cluster, it.Name, madeNamespace{machine: pl.Key(), result: out.Result})
			nsPending = out.Result == write.WouldStore
		}
	}
}

// ownedBy sets the owner uid of the plan's NetworkConfiguration to create.
func ownedBy(items []*Item, uid types.UID) {
	for _, it := range items {
		if it.Resource != cluster.NetworkConfigurations || it.Write != CreateObject {
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
func (p *Pipeline) Summarize(plans []*Plan) Summary { return Summarize(plans, p.Writer.DryRun()) }

// Summarize counts the outcomes of plans (create's, delete's); dryRun names the dry run, "" for
// none. A Machine whose plan failed counts once as failed.
func Summarize(plans []*Plan, dryRun string) Summary {
	s := Summary{DryRun: dryRun}
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
