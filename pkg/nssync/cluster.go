package nssync

import (
	"context"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

type clusterResult struct {
	namespaces []NamespaceResult
	orphans    []Orphan
}

// syncCluster does one cluster's work under its deadline (cluster.Client.Bound): one paged namespace list, then the
// creates of the missing namespaces, a bounded number at a time.
func (s *Syncer) syncCluster(ctx context.Context, g *group) clusterResult {
	id := g.client.ID
	start := time.Now()
	s.progress(fmt.Sprintf("%s: listing namespaces (%d needed)", id, len(g.namespaces)))
	names := make([]string, 0, len(g.namespaces))
	for ns := range g.namespaces {
		sort.Strings(g.namespaces[ns])
		names = append(names, ns)
	}
	sort.Strings(names)

	live, orphans, err := s.listNamespaces(ctx, g.client, g)
	if err != nil {
		msg := s.clusterError("list namespaces", err)
		out := clusterResult{}
		for _, ns := range names {
			out.namespaces = append(out.namespaces, NamespaceResult{Cluster: id.Name, Namespace: ns, Machines: g.namespaces[ns], Action: plan.Failed, Message: msg})
		}
		s.progress(fmt.Sprintf("%s: failed after %s", id, time.Since(start).Round(time.Millisecond)))
		return out
	}
	items := make([]*plan.Item, len(names))
	var missing []*plan.Item
	for i, ns := range names {
		it, err := pipeline.PlanNamespace(id, ns, live[ns], s.Options.Namespace)
		if err != nil {
			it = &plan.Item{Cluster: id, Resource: cluster.Namespaces, Name: ns, Action: plan.Failed, Message: err.Error()}
		}
		items[i] = it
		if it.Write == plan.CreateObject {
			missing = append(missing, it)
		}
	}
	s.createAll(ctx, g.client, missing)
	out := clusterResult{}
	for i, ns := range names {
		a, msg := items[i].Final()
		if a == plan.Unchanged {
			a = plan.Exists
		}
		out.namespaces = append(out.namespaces, NamespaceResult{Cluster: id.Name, Namespace: ns, Machines: g.namespaces[ns], Action: a, Message: msg, Desired: items[i].Desired})
	}
	out.orphans = orphans
	s.progress(fmt.Sprintf("%s: done in %s (%d created or to create)", id, time.Since(start).Round(time.Millisecond), len(missing)))
	return out
}

// listNamespaces lists the cluster's namespaces once and keeps only what the run reads: of each
// namespace the run needs, its name, labels, deletion timestamp and phase; of the others, the names
// of managed ones when orphans are checked (Options.CheckOrphans). Clusters hold thousands of
// namespaces and the run plans a few of them.
func (s *Syncer) listNamespaces(ctx context.Context, c *cluster.Client, g *group) (map[string]*unstructured.Unstructured, []Orphan, error) {
	live := map[string]*unstructured.Unstructured{}
	var orphans []Orphan
	key, value := s.Options.Namespace.ManagedByKey, s.Options.Namespace.ManagedByValue
	err := c.List(ctx, cluster.Namespaces, "", "", func(u *unstructured.Unstructured) error {
		name := u.GetName()
		if _, wanted := g.namespaces[name]; !wanted {
			if s.Options.CheckOrphans && u.GetLabels()[key] == value && !g.unknown[name] {
				orphans = append(orphans, Orphan{Cluster: c.ID.Name, Namespace: name})
			}
			return nil
		}
		slim := &unstructured.Unstructured{Object: map[string]any{}}
		slim.SetName(name)
		slim.SetLabels(u.GetLabels())
		slim.SetDeletionTimestamp(u.GetDeletionTimestamp())
		if phase, ok, _ := unstructured.NestedString(u.Object, "status", "phase"); ok {
			_ = unstructured.SetNestedField(slim.Object, phase, "status", "phase")
		}
		live[name] = slim
		return nil
	})
	sort.Slice(orphans, func(i, j int) bool { return orphans[i].Namespace < orphans[j].Namespace })
	return live, orphans, err
}

// createAll creates the missing namespaces, Options.Concurrency at a time.
func (s *Syncer) createAll(ctx context.Context, c *cluster.Client, missing []*plan.Item) {
	applier := plan.Applier{Writer: s.Writer}
	batch.Each(len(missing), s.Options.Concurrency, func(i int) {
		it := missing[i]
		if ctx.Err() != nil {
			it.Result, it.ResultMessage = plan.Failed, s.clusterError("create namespace", ctx.Err())
			return
		}
		if out := applier.Apply(ctx, c, it); out.Result == write.Failed && ctx.Err() != nil {
			it.ResultMessage = s.clusterError("create namespace", out.Err)
		}
	})
}

// clusterError words an error; a missed deadline in the one wording of --cluster-timeout
// (cluster.TimeoutError).
func (s *Syncer) clusterError(what string, err error) string {
	return fmt.Sprintf("%s: %v", what, err)
}

func (s *Syncer) progress(msg string) {
	if s.Progress != nil {
		s.Progress(msg)
	}
}
